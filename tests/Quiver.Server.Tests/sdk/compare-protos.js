const pb = require('protobufjs');
const path = '/work/wt-server/node/Quiver.Server/Protos/';
const root = new pb.Root();
root.resolvePath = (o, t) => path + t;
root.loadSync(['milvus.proto'], { keepCase: true });
const sdk = require('./node_modules/@zilliz/milvus2-sdk-node/dist/milvus/proto-json/milvus.js');
const sroot = pb.Root.fromJSON(sdk.default || sdk);
let problems = 0, checked = 0;
function walk(ns) {
  for (const obj of ns.nestedArray) {
    if (obj instanceof pb.Type) {
      const other = sroot.lookup(obj.fullName.slice(1));
      if (!other) { console.log('not in SDK:', obj.fullName); continue; }
      for (const f of obj.fieldsArray) {
        const g = other.fields[f.name];
        checked++;
        if (!g) { console.log('field missing in SDK', obj.fullName, f.name); problems++; continue; }
        const t1 = f.resolve().resolvedType ? f.resolvedType.fullName : f.type;
        const t2 = g.resolve().resolvedType ? g.resolvedType.fullName : g.type;
        if (g.id !== f.id || t1 !== t2 || g.repeated !== f.repeated || !!g.map !== !!f.map)
          { console.log('MISMATCH', obj.fullName, f.name, f.id, t1, f.repeated, 'sdk:', g.id, t2, g.repeated); problems++; }
      }
    } else if (obj instanceof pb.Enum) {
      const other = sroot.lookup(obj.fullName.slice(1));
      if (!other) { console.log('enum not in SDK:', obj.fullName); continue; }
      for (const [k, v] of Object.entries(obj.values)) { checked++; if (other.values[k] !== v) { console.log('ENUM', obj.fullName, k, v, 'sdk:', other.values[k]); problems++; } }
    } else if (obj instanceof pb.Service) {
      const other = sroot.lookup(obj.fullName.slice(1));
      for (const m of obj.methodsArray) {
        checked++;
        const o = other.methods[m.name];
        if (!o) { console.log('rpc not in SDK', m.name); continue; }
        const rq = m.resolve().resolvedRequestType.fullName, rs = m.resolvedResponseType.fullName;
        const orq = o.resolve().resolvedRequestType.fullName, ors = o.resolvedResponseType.fullName;
        if (rs.split('.').pop() === 'Status' ? ors.split('.').pop() !== 'Status' : (ors.split('.').pop() === 'Status'))
          { console.log('RPC response kind differs', m.name, rs, 'sdk:', ors); problems++; }
      }
      for (const name of Object.keys(other.methods)) if (!obj.methods[name]) console.log('SDK rpc not declared here:', name);
    }
    if (obj.nestedArray) walk(obj);
  }
}
walk(root);
console.log('checked', checked, 'problems', problems);
