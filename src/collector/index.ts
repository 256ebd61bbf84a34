export * from './errors';
export * from './parse';
export * from './plan';
export * from './promql';
export * from './coldStart';
export * from './client';
