// The sandboxed processor when the package runs from its TypeScript sources (tests, tsx): worker
// threads on Node 20 do not inherit the tsx loader, so this registers it in the thread first.
import { register } from 'tsx/esm/api';

register();
const { default: processSegmentJob } = await import('./segment-processor.ts');

export default processSegmentJob;
