/**
 * Configs and keys files that their group may write are refused (engine/data/open-regular.ts,
 * `ownerWritesOnly`). Tests write many of them with plain writeFileSync: under a umask of 002
 * (user-private groups) those would be 0664 and refused. The suite runs with umask 022, as a
 * machine that keeps configs should; the child processes it starts inherit it.
 */
process.umask(0o022);
