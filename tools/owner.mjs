// tcp-udp-chat: what root writes in a clone that someone else owns goes back to that owner.
// Run:  node tools/owner.mjs PATH ...      (make calls it after a target that writes as root)
//
// A teacher runs `sudo make lab` (tcpdump needs root) in a learner's clone: the build, the
// installed packages and the stamps it leaves would belong to root, and the learner's next
// `make tcp-server` could not update them. So whatever the project's own tools write as root
// is handed to the owner of the clone's folder. As any other user, or in a clone root owns,
// this does nothing.
//
// Example:  giveBack(".cache", { tree: ".cache/build" })  // the folder itself; a whole tree
import { lchownSync, lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The clone's owner when root runs here and someone else owns it; otherwise undefined. */
export function cloneOwner() {
  if (process.getuid?.() !== 0) return undefined;
  const { uid, gid } = statSync(ROOT);
  return uid === 0 ? undefined : { uid, gid };
}

/** Give each path (relative to the clone) back to its owner: a string alone, `{ tree }` with all below it. */
export function giveBack(...paths) {
  const owner = cloneOwner();
  if (!owner) return;
  for (const path of paths) {
    if (typeof path === "string") chown(join(ROOT, path), owner, false);
    else chown(join(ROOT, path.tree), owner, true);
  }
}

function chown(path, { uid, gid }, deep) {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return; // not there: nothing to give back
  }
  if (stat.uid !== uid || stat.gid !== gid) lchownSync(path, uid, gid);
  if (deep && stat.isDirectory()) {
    for (const entry of readdirSync(path)) chown(join(path, entry), { uid, gid }, true);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  giveBack(...process.argv.slice(2).map((tree) => ({ tree })));
}
