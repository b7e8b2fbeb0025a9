// The bench page: run.mjs drives these through page.evaluate(() => window.bench.X(...)).
import { b1 } from './b1.ts';
import { b3 } from './b3.ts';
import { b4ConcurrentCounters, b4ConcurrentFire, b4ConcurrentOpen, b4Sequential } from './b4.ts';
import { b7 } from './b7.ts';
import { b7f } from './b7f.ts';
import { b9Cold, b9ColdBaseline, b9First, b9FirstBaseline, b9Hold, b9Populate, b9Second, b9SecondBaseline } from './b9.ts';
import { b13Open } from './b13.ts';
import { b4d, b7d, noSwClose, noSwLead } from './nosw.ts';
import { b15Arm, b15Open, b15Seed, b15Timeline, b15Write } from './b15.ts';
import { b10Raw, b10Sync, clockNow, drainOffline, drainReconnect, syncDeviceArm, syncDeviceClose, syncDeviceOpen, syncDeviceSeen, syncDeviceStatus, syncDeviceWrite, wsEcho } from './sync.ts';
import { memFrameCycles, memHold, memInPageCycles, memStatus, memTab } from './memory.ts';

const bench = {
  b1,
  b3,
  b4Sequential,
  b4ConcurrentOpen,
  b4ConcurrentFire,
  b4ConcurrentCounters,
  b7,
  b7f,
  noSwLead,
  noSwClose,
  b4d,
  b7d,
  b9Hold,
  b9Second,
  b9SecondBaseline,
  b9Populate,
  b9Cold,
  b9ColdBaseline,
  b9First,
  b9FirstBaseline,
  b13Open,
  b15Open,
  b15Seed,
  b15Arm,
  b15Write,
  b15Timeline,
  memHold,
  memStatus,
  memTab,
  memInPageCycles,
  memFrameCycles,
  b10Sync,
  b10Raw,
  syncDeviceOpen,
  syncDeviceArm,
  syncDeviceSeen,
  syncDeviceWrite,
  syncDeviceStatus,
  syncDeviceClose,
  clockNow,
  wsEcho,
  drainOffline,
  drainReconnect,
  crossOriginIsolated: () => globalThis.crossOriginIsolated,
};

(globalThis as unknown as { bench: typeof bench }).bench = bench;
document.title = 'tandem bench ready';
