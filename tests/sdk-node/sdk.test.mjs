// The official Milvus Node SDK against a running `quiver run standalone` (address in QUIVER_ADDRESS).
// Started by tests/Quiver.Cli.Tests (SdkNodeTests); run by hand with: QUIVER_ADDRESS=127.0.0.1:19530 node --test sdk.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MilvusClient, DataType, RRFRanker } from '@zilliz/milvus2-sdk-node';

const address = process.env.QUIVER_ADDRESS ?? '127.0.0.1:19530';
const dim = 16;
const n = 300;

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
}
const vec = (i) => { const r = rng(i + 1); return Array.from({ length: dim }, r); };
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const l2 = (a, b) => a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0);
const cos = (a, b) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
const ok = (res) => assert.equal(res.error_code ?? res.status?.error_code, 'Success', JSON.stringify(res.status ?? res));

const rows = Array.from({ length: n }, (_, i) => ({
  id: i, vec: vec(i), vec2: vec(i + 1000), color: i % 3 === 0 ? 'red' : 'blue', meta: { n: i, tag: i % 5 === 0 ? 'five' : 'other' },
}));

for (const [indexType, metric, params, searchParams] of [
  ['HNSW', 'L2', { M: 16, efConstruction: 100 }, { ef: 128 }],
  ['IVF_FLAT', 'IP', { nlist: 8 }, { nprobe: 8 }],
  ['FLAT', 'COSINE', {}, {}],
]) {
  test(`${indexType} ${metric}: the SDK's main flow`, async () => {
    const client = new MilvusClient({ address, telemetry: { enabled: false } });
    const name = `sdk_${indexType.toLowerCase()}_${metric.toLowerCase()}`;
    await client.dropCollection({ collection_name: name }); // a rerun against the same server starts clean
    ok(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
        { name: 'vec', data_type: DataType.FloatVector, dim },
        { name: 'vec2', data_type: DataType.FloatVector, dim },
        { name: 'color', data_type: DataType.VarChar, max_length: 16 },
        { name: 'meta', data_type: DataType.JSON },
      ],
    }));
    const inserted = await client.insert({ collection_name: name, data: rows });
    ok(inserted);
    assert.equal(Number(inserted.insert_cnt), n);
    ok(await client.flushSync({ collection_names: [name] }));
    ok(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: indexType, metric_type: metric, params }));
    ok(await client.createIndex({ collection_name: name, field_name: 'vec2', index_type: 'FLAT', metric_type: 'IP', params: {} }));
    ok(await client.loadCollectionSync({ collection_name: name }));

    // Search, with and without a filter, against brute force.
    const q = vec(5000);
    const score = metric === 'L2' ? (r) => l2(q, r.vec) : metric === 'IP' ? (r) => -dot(q, r.vec) : (r) => -cos(q, r.vec);
    for (const filter of [undefined, 'color == "red"']) {
      const pool = rows.filter((r) => !filter || r.color === 'red');
      const truth = [...pool].sort((a, b) => score(a) - score(b)).slice(0, 10).map((r) => String(r.id));
      const res = await client.search({ collection_name: name, data: [q], limit: 10, filter, output_fields: ['id', 'color'], params: searchParams });
      ok(res);
      const got = res.results.map((h) => String(h.id));
      const recall = got.filter((id) => truth.includes(id)).length / truth.length;
      assert.ok(recall >= 0.9, `${filter ?? "no filter"}: recall ${recall}; got ${got} truth ${truth}`);
      if (filter) assert.ok(res.results.every((h) => h.color === 'red'));
    }

    const query = await client.query({ collection_name: name, filter: 'meta["tag"] == "five" and id < 30', output_fields: ['color', 'meta'] });
    ok(query);
    assert.deepEqual(query.data.map((r) => Number(r.id)).sort((a, b) => a - b), [0, 5, 10, 15, 20, 25]);
    const count = await client.query({ collection_name: name, filter: '', output_fields: ['count(*)'] });
    assert.equal(Number(count.data[0]['count(*)']), n);

    ok(await client.delete({ collection_name: name, filter: 'id >= 290' }));
    ok(await client.upsert({ collection_name: name, data: [{ ...rows[1], color: 'green' }] }));
    const after = await client.query({ collection_name: name, filter: 'color == "green" or id >= 290', output_fields: ['color'] });
    assert.deepEqual(after.data.map((r) => Number(r.id)), [1]);

    const hybrid = await client.hybridSearch({
      collection_name: name,
      data: [{ data: q, anns_field: 'vec', params: searchParams }, { data: vec(7000), anns_field: 'vec2' }],
      rerank: RRFRanker(60), limit: 5, output_fields: ['id', 'color'],
    });
    ok(hybrid);
    assert.equal(hybrid.results.length, 5);

    ok(await client.createPartition({ collection_name: name, partition_name: 'p1' }));
    const partitions = await client.showPartitions({ collection_name: name });
    assert.ok(partitions.partition_names.includes('p1'));
    ok(await client.createAlias({ collection_name: name, alias: `${name}_a` }));
    const alias = await client.describeAlias({ collection_name: name, alias: `${name}_a` });
    assert.equal(alias.collection, name);
    ok(await client.dropAlias({ alias: `${name}_a` }));
    ok(await client.releaseCollection({ collection_name: name }));
    ok(await client.dropCollection({ collection_name: name }));
    const has = await client.hasCollection({ collection_name: name });
    assert.equal(has.value, false);
    await client.closeConnection();
  });
}

test('bad input gets a clear status and the server keeps serving', async () => {
  const client = new MilvusClient({ address, telemetry: { enabled: false } });
  await client.dropCollection({ collection_name: 'bad_input' });
  const missing = await client.describeCollection({ collection_name: 'does_not_exist' });
  assert.notEqual(missing.status.error_code, 'Success');
  ok(await client.createCollection({ collection_name: 'bad_input', dimension: dim }));
  const wrongDim = await client.insert({ collection_name: 'bad_input', data: [{ id: 1, vector: [1, 2, 3] }] });
  assert.notEqual(wrongDim.status.error_code, 'Success');
  const badFilter = await client.query({ collection_name: 'bad_input', filter: 'id >>> 3' });
  assert.notEqual(badFilter.status.error_code, 'Success');
  const version = await client.getVersion();
  assert.match(version.version, /^v?2\./);
  ok(await client.dropCollection({ collection_name: 'bad_input' }));
  await client.closeConnection();
});
