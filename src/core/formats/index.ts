export * from './prompt';
export * from './trl';
export * from './kto';
export * from './dpoJsonl';
export * from './hh';
export * from './export';
export * from './report';
