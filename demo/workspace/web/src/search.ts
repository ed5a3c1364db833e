import { runSearch } from './api';

const input = document.querySelector<HTMLInputElement>('#search')!;

input.addEventListener('input', (e) => {
  runSearch((e.target as HTMLInputElement).value);
});
