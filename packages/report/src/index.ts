export { buildReport, selectionOf } from './build-report.js';
export { renderHtmlReport, writeHtmlReport } from './html-report.js';
export type * from './report-types.js';
export { formatReport, type TextOptions } from './terminal-summary.js';
