export * from './schema';
export * from './load';
export * from './holder';
export * from './prometheusSource';
export * from './configMapDir';
export * from './configMapKube';
