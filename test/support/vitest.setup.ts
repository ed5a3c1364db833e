// Runs in every test file's worker: temporary folders go when the file's tests are done.
import { afterAll } from 'vitest';
import { removeTempDirs } from './tmp';

afterAll(removeTempDirs);
