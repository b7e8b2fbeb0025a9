import { PGlite } from '@electric-sql/pglite';
let t=performance.now();
const db = await PGlite.create({dataDir:'memory://'});
console.log('create', performance.now()-t);
const r = await db.query(`select 1::int8 as a, 9007199254740993::int8 as big, 1.5::numeric as n, 2.5::float8 f, true b, now() ts, now()::date d, '{"x":1}'::jsonb j, '\\x00ff'::bytea by, interval '1 day' iv, ARRAY[1,2] arr, 'a'::uuid::text u, now()::time tm, 1::int2 i2, '1.5'::real r4`.replace("'a'::uuid::text","gen_random_uuid()"));
console.log(r.rows, r.fields);
const e = await db.query(`explain (format json) select * from pg_class where oid = $1`, [1]);
console.log(JSON.stringify(e.rows));
t=performance.now();
const blob = await db.dumpDataDir('none');
console.log('dump', performance.now()-t, blob.size, blob.constructor.name);
t=performance.now();
const db2 = await PGlite.create({dataDir:'memory://', loadDataDir: blob});
console.log('restore', performance.now()-t);
console.log((await db2.query('select 1 as x')).rows);
try { await db.query('select $1::int + 1 as x', ['abc']) } catch (e) { console.log(e.constructor.name, e.message, e.code) }
console.log((await db.query('select $1::int + 1 as x', [5])).rows);
console.log((await db.query('select $1::jsonb as x', [{a:1}])).rows);
console.log((await db.query('select $1::jsonb as x', [JSON.stringify({a:1})])).rows);
