export { buildReport, selectionOf } from './build-report.js';
export type * from './report-types.js';
