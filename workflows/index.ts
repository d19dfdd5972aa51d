// The workflowsPath entry: every workflow the worker serves.
export { evaluateModel } from './evaluate-model.js';
