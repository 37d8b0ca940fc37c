import { archiveRecord } from '@lakeops/contracts';
import { firehoseTransform } from './lib/firehose-transform.ts';

/**
 * archive-events: the Firehose transform of the Bronze archive (stacks/archive.ts). Every bus
 * event reaches it through an EventBridge rule → Firehose; it runs the same archive decision as
 * the local bus: valid events to `bronze/events/`, the rest to `bronze/_quarantine/`, by hour.
 */
export const make = firehoseTransform(archiveRecord);

export const handler = make({});
