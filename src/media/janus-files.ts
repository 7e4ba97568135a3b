/**
 * The embedded Janus's files: finding the binary and its libraries, the folders of symlinks that
 * make Janus load only the VideoRoom plugin and the WebSockets transport, and the configuration
 * generated from the plain-text templates in `janus/` (imported as text, so a compiled binary
 * carries them too).
 */
import { accessSync, constants, existsSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import janusJcfg from "../../janus/janus.jcfg" with { type: "text" };
import videoroomJcfg from "../../janus/janus.plugin.videoroom.jcfg" with { type: "text" };
import websocketsJcfg from "../../janus/janus.transport.websockets.jcfg" with { type: "text" };

export const JANUS_LIBS = { plugin: "libjanus_videoroom.so", transport: "libjanus_websockets.so" } as const;
const TRIPLETS: Record<string, string> = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu", arm: "arm-linux-gnueabihf" };

/** The binary's absolute path: `bin` itself when it names a path, else looked up on PATH. */
export function findBinary(bin: string): string | null {
  if (bin.includes("/")) {
    const path = isAbsolute(bin) ? bin : resolve(bin);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      return null;
    }
  }
  return Bun.which(bin);
}

/** Debian puts the libraries in /usr/lib/<triplet>/janus, a source build in <prefix>/lib/janus. */
export function findLibDir(bin: string): string | null {
  let prefix: string;
  try {
    prefix = dirname(dirname(realpathSync(bin)));
  } catch {
    return null;
  }
  const triplet = TRIPLETS[process.arch];
  const candidates = [
    ...(triplet ? [join(prefix, "lib", triplet, "janus")] : []),
    join(prefix, "lib", "janus"),
    join(prefix, "lib64", "janus"),
  ];
  return candidates.find(hasLibs) ?? null;
}

export function hasLibs(libDir: string) {
  return existsSync(join(libDir, "plugins", JANUS_LIBS.plugin)) && existsSync(join(libDir, "transports", JANUS_LIBS.transport));
}

/** Folders holding symlinks to just the two libraries Janus should load, and an empty one for the rest. */
export function prepareFolders(workDir: string, libDir: string) {
  for (const [folder, lib] of [
    ["plugins", JANUS_LIBS.plugin],
    ["transports", JANUS_LIBS.transport],
  ] as const) {
    const dir = join(workDir, folder);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(libDir, folder, lib), join(dir, lib));
  }
  rmSync(join(workDir, "empty"), { recursive: true, force: true });
  mkdirSync(join(workDir, "empty"), { recursive: true });
  mkdirSync(join(workDir, "conf"), { recursive: true });
}

/** libconfig string contents: backslashes and double quotes escaped. */
function quoted(value: string) {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

function fill(template: string, values: Record<string, string>) {
  return template.replace(/@([A-Z0-9_]+)@/g, (match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`janus template placeholder ${match} has no value`);
    return value;
  });
}

/** Writes the three configuration files into `<workDir>/conf`. */
export function writeConfigs(workDir: string, wsPort: number, rtpPortRange: string, nat1to1: string | null, apiSecret: string) {
  const conf = join(workDir, "conf");
  const values = {
    CONFIGS_DIR: quoted(conf),
    PLUGINS_DIR: quoted(join(workDir, "plugins")),
    TRANSPORTS_DIR: quoted(join(workDir, "transports")),
    EMPTY_DIR: quoted(join(workDir, "empty")),
    RTP_PORT_RANGE: quoted(rtpPortRange),
    WS_PORT: String(wsPort),
    API_SECRET: quoted(apiSecret),
    NAT_1_1: nat1to1 ? `\tnat_1_1_mapping = "${quoted(nat1to1)}"` : "",
  };
  writeFileSync(join(conf, "janus.jcfg"), fill(janusJcfg, values));
  writeFileSync(join(conf, "janus.transport.websockets.jcfg"), fill(websocketsJcfg, values));
  writeFileSync(join(conf, "janus.plugin.videoroom.jcfg"), fill(videoroomJcfg, values));
}
