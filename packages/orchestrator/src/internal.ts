// `@etl/orchestrator/internal`: the segment commit protocol as the toolkit's own packages share it
// (the queue worker commits and sweeps the same manifests; `etl retry` finds a job's staging
// directory). Not part of the user API: names here may change in any release.
export { stageDir } from './job.js';
export type { ManifestFile, ManifestSideFile, SegmentManifest } from './segment-commit.js';
export { MANIFEST_DIR, manifestPath, readManifest } from './segment-commit.js';
