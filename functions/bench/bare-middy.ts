// The baseline for the cold-start benchmark: a middy handler with no middleware and no work.
import middy from '@middy/core';

export const handler = middy(async (event: { id: string }) => ({ status: 'processed', id: event.id }));
