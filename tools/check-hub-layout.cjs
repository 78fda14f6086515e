// Reads a hub cache with @huggingface/hub's scanCacheDir and checks what huggingface_hub's cache
// rules require: every repo scans without a warning, refs point at existing snapshots, every
// snapshot file resolves into the repo's blobs/, LFS blobs are named by the sha256 of their bytes.
const { scanCacheDir } = require("@huggingface/hub");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

(async () => {
  const cache = process.argv[2];
  const info = await scanCacheDir(cache);
  let problems = info.warnings.map((w) => `scan warning: ${w.message}`);
  for (const repo of info.repos) {
    console.log(`${repo.id.type} ${repo.id.name}: ${repo.filesCount} blobs, ${repo.size} bytes`);
    for (const rev of repo.revisions) {
      console.log(`  revision ${rev.commitOid} refs [${rev.refs.join(", ")}], ${rev.files.length} files, ${rev.size} bytes`);
      if (!/^[0-9a-f]{40}$/.test(rev.commitOid)) problems.push(`${repo.id.name}: snapshot ${rev.commitOid} is not a commit hash`);
      for (const f of rev.files) {
        const blobs = path.join(repo.path, "blobs") + path.sep;
        const link = fs.lstatSync(f.path).isSymbolicLink() ? fs.readlinkSync(f.path) : "(a copy)";
        console.log(`    ${path.basename(f.path)} -> ${link} (${f.blob.size} bytes)`);
        if (!f.blob.path.startsWith(blobs)) problems.push(`${f.path} does not resolve into ${blobs}`);
        if (link !== "(a copy)" && path.isAbsolute(link)) problems.push(`${f.path} is an absolute link`);
        const name = path.basename(f.blob.path);
        if (/^[0-9a-f]{64}$/.test(name)) {
          const sha = crypto.createHash("sha256").update(fs.readFileSync(f.blob.path)).digest("hex");
          if (sha !== name) problems.push(`${f.blob.path}: sha256 ${sha} differs from its name`);
        }
      }
    }
  }
  if (problems.length) {
    console.error(problems.join("\n"));
    process.exit(1);
  }
  console.log(`hub cache ${cache}: ${info.repos.length} repos, ${info.size} bytes, accepted by @huggingface/hub scanCacheDir`);
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
