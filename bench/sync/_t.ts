import { openNftContext } from '@kpx/agent/modes/nftables/libnftables.ts';
const ctx = await openNftContext('nftp3');
let r = await ctx.run('add table ip libtest\n');
console.log(r);
r = await ctx.run('add table ip libtest\nadd chain ip libtest c\nadd rule ip libtest c bogus\n');
console.log(r);
r = await ctx.run('delete table ip libtest\n');
console.log(r.ok, r.ms);
for (const f of ['fwd', 'rev', 'fwd', 'rev', 'fwd', 'rev']) { const t = (await import('node:fs')).readFileSync(`/tmp/nftperf/${f}.nft`, 'utf8'); const x = await ctx.run(t); console.log(f, x.ok, x.ms.toFixed(2), x.error); }
ctx.close();
