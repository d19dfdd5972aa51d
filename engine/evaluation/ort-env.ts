/**
 * Imported before onnxruntime-node wherever it is loaded: ONNX Runtime's Linux build (1.2x and
 * later) starts Microsoft's telemetry when its environment is made (the first session of a
 * process). That writes a SQLite database under ~/.cache/Microsoft/DeveloperTools with two
 * fsync()s, leaves an empty /tmp/mat-debug-<pid>.log behind for every process, and tries to upload
 * over HTTPS: tens of milliseconds of every `upkeep evaluate` on a busy disk, files nobody asked
 * for, and traffic a model's owner did not agree to. ORT_DISABLE_TELEMETRY turns it off; a value
 * set in the environment is kept (ORT_DISABLE_TELEMETRY=0 or an empty value: ONNX Runtime's default).
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';

export {};
