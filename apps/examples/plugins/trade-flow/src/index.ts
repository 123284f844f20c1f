import { definePlugin } from '@etl/core';
import { TradeFlowProcessor } from './trade-flow-processor.js';

export type { TradeFlowOptions } from './trade-flow-processor.js';
export { TradeFlowProcessor, tradeFlowSchema } from './trade-flow-processor.js';

/** The plugin: config entries name its processor `trade-flow` (or `etl-plugin-trade-flow/trade-flow`). */
const plugin = definePlugin({
  name: 'etl-plugin-trade-flow',
  version: '0.1.0',
  processors: {
    'trade-flow': (options) =>
      new TradeFlowProcessor({
        ...(typeof options.windowMs === 'number' ? { windowMs: options.windowMs } : {}),
      }),
  },
});

export default plugin;
export { plugin };
