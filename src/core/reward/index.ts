export * from './features';
export * from './train';
export * from './calibrate';
export * from './onnx';
export * from './scorer';
export * from './workerScorer';
export * from './uncertainty';
