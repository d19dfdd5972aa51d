/** Config text for tests that parse upkeep.yaml: one minimal, valid model of the `models:` list. */

export interface ModelYamlOptions {
  id?: string;
  owner?: string;
  /** A YAML flow list, e.g. `[bob@example.com]`; no approvers line when absent. */
  approvers?: string;
  /** data.uri (default `data/{date}.csv`). */
  dataUri?: string;
  /** Lines added at the end, indented as the model's fields (4 spaces). */
  extra?: string;
}

export function modelYaml(o: ModelYamlOptions = {}): string {
  return `
  - id: ${o.id ?? 'churn'}
    owner: ${o.owner ?? 'owners@example.com'}
${o.approvers ? `    approvers: ${o.approvers}\n` : ''}    task: binary
    artifact: models/churn.onnx
    inputs: [{ name: input, columns: [a, b] }]
    label: { column: y, positive: 1 }
    data: { uri: ${JSON.stringify(o.dataUri ?? 'data/{date}.csv')} }
    schedule: { every: 1d }
    thresholds: { metric: roc_auc, min: 0.7 }
${o.extra ?? ''}`;
}
