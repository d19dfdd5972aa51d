// The workflowsPath entry: every workflow the worker serves.
export { evaluateModel } from './evaluate-model.js';
export { retrainModel } from './retrain-model.js';
export { rollbackModel } from './rollback-model.js';
export { deliverNotification } from './notification.js';
export { exportHistories } from './export-histories.js';
export { watchdog } from './watchdog.js';
export { channelOutbox } from './channel-outbox.js';
export { maintenanceDigest } from './digest.js';
export { anchorTrail } from './anchor-trail.js';
export { handoverModel } from './handover-model.js';
export { reviewModel } from './review.js';
export { reviewSweep } from './review-sweep.js';
