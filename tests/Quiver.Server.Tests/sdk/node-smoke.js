const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');
(async () => {
  const c = new MilvusClient({ address: '127.0.0.1:19530' });
  await c.connectPromise;
  console.log('version', await c.getVersion());
  console.log('health', await c.checkHealth());
  const dim = 4;
  console.log('create', await c.createCollection({ collection_name: 'quick', dimension: dim, metric_type: 'L2' }));
  console.log('has', await c.hasCollection({ collection_name: 'quick' }));
  const rows = [...Array(20).keys()].map(i => ({ id: i, vector: [i, i + 1, i + 2, i + 3], color: i % 2 ? 'red' : 'blue' }));
  const ins = await c.insert({ collection_name: 'quick', data: rows });
  console.log('insert', ins.status.error_code, ins.insert_cnt);
  const s = await c.search({ collection_name: 'quick', data: [[1, 2, 3, 4]], limit: 3, output_fields: ['id', 'color'] });
  console.log('search', JSON.stringify(s));
  const sf = await c.search({ collection_name: 'quick', data: [[1, 2, 3, 4]], limit: 3, filter: 'color == "red"', output_fields: ['color'] });
  console.log('search filter', JSON.stringify(sf.results));
  const q = await c.query({ collection_name: 'quick', filter: 'id < 3', output_fields: ['id', 'color'] });
  console.log('query', JSON.stringify(q.data));
  console.log('count', JSON.stringify(await c.count({ collection_name: 'quick' })));
  console.log('delete', JSON.stringify((await c.delete({ collection_name: 'quick', ids: [0, 1] })).delete_cnt));
  console.log('upsert', (await c.upsert({ collection_name: 'quick', data: [{ id: 5, vector: [9, 9, 9, 9], color: 'green' }] })).upsert_cnt);
  console.log('get', JSON.stringify((await c.get({ collection_name: 'quick', ids: [5], output_fields: ['color'] })).data));
  console.log('flush', JSON.stringify((await c.flushSync({ collection_names: ['quick'] })).status));
  console.log('describeIndex', JSON.stringify((await c.describeIndex({ collection_name: 'quick' })).index_descriptions));
  console.log('stats', JSON.stringify((await c.getCollectionStatistics({ collection_name: 'quick' })).data));
  console.log('list', JSON.stringify((await c.showCollections()).data));
  const schema = [
    { name: 'pk', data_type: DataType.VarChar, is_primary_key: true, max_length: 32 },
    { name: 'doc', data_type: DataType.JSON },
    { name: 'tags', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 4, max_length: 16 },
    { name: 'n', data_type: DataType.Int32, nullable: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 2 },
  ];
  console.log('create2', JSON.stringify(await c.createCollection({ collection_name: 'full', fields: schema })));
  console.log('index2', JSON.stringify(await c.createIndex({ collection_name: 'full', field_name: 'v', index_type: 'HNSW', metric_type: 'COSINE', params: { M: 8, efConstruction: 64 } })));
  console.log('load2', JSON.stringify(await c.loadCollectionSync({ collection_name: 'full' })));
  console.log('ins2', JSON.stringify((await c.insert({ collection_name: 'full', data: [
    { pk: 'a', doc: { x: 1 }, tags: ['p', 'q'], n: 5, v: [1, 0] },
    { pk: 'b', doc: { x: 2 }, tags: [], n: null, v: [0, 1] } ] })).status));
  console.log('q2', JSON.stringify((await c.query({ collection_name: 'full', filter: 'doc["x"] >= 1', output_fields: ['*'] })).data));
  console.log('s2', JSON.stringify((await c.search({ collection_name: 'full', data: [0.9, 0.1], limit: 2, params: { ef: 16 } })).results));
  const h = await c.hybridSearch({ collection_name: 'full', data: [{ data: [1, 0], anns_field: 'v' }, { data: [0, 1], anns_field: 'v' }], rerank: { strategy: 'rrf', params: { k: 60 } }, limit: 2, output_fields: ['pk'] });
  console.log('hybrid', JSON.stringify(h));
  const bad = await c.search({ collection_name: 'full', data: [1, 2, 3], limit: 2 });
  console.log('bad dim', JSON.stringify(bad.status));
  try { await c.createCollection({ collection_name: 'full', fields: schema }); console.log('dup create: no throw'); } catch (e) { console.log('dup create throws', e.reason || e.message); }
  console.log('drop', JSON.stringify(await c.dropCollection({ collection_name: 'quick' })));
  console.log('listdb', JSON.stringify(await c.listDatabases()));
  c.closeConnection();
})().catch(e => { console.error('FAILED', e); process.exit(1); });
