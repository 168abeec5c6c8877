import pg from 'pg';
import type { Logger } from '../logger.ts';

export interface NotificationListenerOptions {
  connectionString: string;
  applicationName: string;
  channel: string;
  /** Each notification's payload, as sent (may be empty). */
  onNotification(payload: string): void;
  /**
   * The connection dropped: notifications sent until it is back are lost, so whatever they keep current must be
   * treated as stale. Called before the listener reconnects.
   */
  onLost(): void;
  /** LISTEN is in effect again (also after the first connection). */
  onListening?(): void;
  log: Logger;
}

export interface NotificationListener {
  /** True while LISTEN is in effect (no notification can be missed). */
  readonly listening: boolean;
  close(): Promise<void>;
}

/** One dedicated LISTEN connection (never a pool's); it reconnects a second after losing its connection. */
export async function openNotificationListener(options: NotificationListenerOptions): Promise<NotificationListener> {
  const { connectionString, applicationName, channel, log } = options;
  let client: pg.Client | undefined;
  let closed = false;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString, application_name: applicationName });
    next.on('notification', (message) => {
      if (message.channel === channel) options.onNotification(message.payload ?? '');
    });
    next.on('error', (error) => {
      log.warn({ err: error, channel }, 'notification listener lost its connection; reconnecting');
      next.end().catch(() => {});
      if (client === next) client = undefined;
      options.onLost();
      reconnectSoon();
    });
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    options.onListening?.();
  };
  const reconnectSoon = () => {
    if (closed) return;
    setTimeout(() => {
      connect().catch((error: unknown) => {
        log.warn({ err: error, channel }, 'notification listener reconnect failed; trying again');
        reconnectSoon();
      });
    }, 1000).unref();
  };
  await connect();

  return {
    get listening() {
      return client !== undefined;
    },
    async close() {
      closed = true;
      await client?.end().catch(() => {});
      client = undefined;
      options.onLost();
    },
  };
}
