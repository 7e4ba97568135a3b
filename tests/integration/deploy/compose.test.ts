/**
 * docker-compose.yml, the Dockerfiles and .env.example, checked without a Docker engine:
 * `docker-compose config` must accept the file (and its cluster profile) with .env.example, and
 * the services must be wired to each other consistently — the URLs Dictate gets point at the
 * services that exist, with the credentials, ports and secrets those services were given.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./process.ts";

const COMPOSE = Bun.which("docker-compose");
const SKIP = COMPOSE ? "" : " (skipped: docker-compose is not installed; apt-get install docker-compose)";

type Service = {
  image?: string;
  build?: { context: string; dockerfile?: string };
  environment?: Record<string, string | null>;
  command?: string[];
  entrypoint?: string[];
  ports?: (Port | string)[];
  volumes?: (Mount | string)[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
};
type Config = { services: Record<string, Service>; volumes?: Record<string, unknown> };
type Port = { published: number | string; target: number | string; protocol?: string; host_ip?: string };
type Mount = { type: string; source?: string; target: string; read_only?: boolean };

/** A service's mounts in the long form (docker-compose 1.x prints the short "source:target:mode"). */
function mounts(service: Service): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== "string") return v;
    const [source, target, mode] = v.split(":") as [string, string, string | undefined];
    return { type: source.startsWith("/") || source.startsWith(".") ? "bind" : "volume", source, target, read_only: mode === "ro" };
  });
}

/** `docker-compose config` with .env.example as the only source of values. */
async function composeConfig(...extra: string[]): Promise<Config> {
  const proc = Bun.spawn([COMPOSE!, "--env-file", ".env.example", ...extra, "config"], {
    cwd: ROOT,
    // Values in the environment would win over the env file: give it none.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`docker-compose config exited with ${code}:\n${stderr}`);
  return Bun.YAML.parse(stdout) as Config;
}

function dotenv(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) values[m[1]!] = m[2]!;
  }
  return values;
}

/** `key = value` (Janus's libconfig) or `key=value` (coturn) from a config file; null if absent or commented out. */
function setting(text: string, key: string): string | null {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*"?([^"\\n]*?)"?\\s*$`, "m").exec(text);
  return m ? m[1]! : null;
}

/** The bind-mounted host path behind `target` in a service (docker-compose config makes it absolute). */
function bindSource(service: Service, target: string): string {
  const volume = mounts(service).find((v) => v.target === target && v.type === "bind");
  if (!volume?.source) throw new Error(`no bind mount at ${target}`);
  return volume.source;
}

/** A service's ports in the long form (docker-compose 1.x prints some as "host_ip:published:target/protocol"). */
function ports(service: Service): Port[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p !== "string") return p;
    const [spec, protocol = "tcp"] = p.split("/") as [string, string | undefined];
    const parts = spec.split(":");
    const [hostIp, pub, target] = parts.length === 3 ? parts : [undefined, parts[0], parts[1] ?? parts[0]];
    return { published: pub!, target: target!, protocol, ...(hostIp ? { host_ip: hostIp } : {}) };
  });
}

/** Published ports of a service as "port/protocol". */
function published(service: Service): Set<string> {
  return new Set(ports(service).map((p) => `${p.published}/${p.protocol ?? "tcp"}`));
}

/** The last stage of a Dockerfile and the user it runs as (the last USER line in it). */
function finalStageUser(dockerfile: string): { stage: string; user: string | null } {
  const text = readFileSync(dockerfile, "utf8");
  const stages = text.split(/^FROM\s/m);
  const stage = stages[stages.length - 1]!;
  const users = [...stage.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]!);
  return { stage, user: users.length ? users[users.length - 1]! : null };
}

const env = dotenv(join(ROOT, ".env.example"));

describe("docker-compose.yml", () => {
  test.skipIf(!COMPOSE)(`is valid for docker-compose config with .env.example, alone and with the cluster profile${SKIP}`, async () => {
    const single = await composeConfig();
    // `up` without a profile starts the services that have none; docker-compose 1.x prints the others too.
    const always = Object.entries(single.services).filter(([, s]) => !s.profiles?.length).map(([name]) => name);
    expect(always.sort()).toEqual(["coturn", "dictate", "janus", "minio", "minio-init", "postgres", "redis"]);
    const cluster = await composeConfig("--profile", "cluster");
    const inCluster = Object.entries(cluster.services).filter(([, s]) => !s.profiles?.length || s.profiles.includes("cluster")).map(([name]) => name);
    expect(inCluster.sort()).toEqual(["coturn", "dictate", "dictate-2", "janus", "minio", "minio-init", "postgres", "proxy", "redis"]);
    // Both nodes get the same settings, the proxy reaches both.
    expect(cluster.services["dictate-2"]!.environment).toEqual(cluster.services.dictate!.environment);
    const caddyfile = readFileSync(bindSource(cluster.services.proxy!, "/etc/caddy/Caddyfile"), "utf8");
    expect(caddyfile).toContain("dictate:3000");
    expect(caddyfile).toContain("dictate-2:3000");
    expect(caddyfile).toContain("health_uri /healthz");
  });

  test.skipIf(!COMPOSE)(`gives Dictate URLs and secrets that match the postgres, redis, janus, minio and coturn services${SKIP}`, async () => {
    const { services } = await composeConfig();
    const app = services.dictate!.environment!;
    const { postgres, redis, janus, minio, coturn } = services as Record<string, Service>;

    // Postgres: the user, password and database the postgres service was created with.
    const db = new URL(app.DATABASE_URL!);
    expect(db.hostname).toBe("postgres");
    expect(db.port).toBe("5432");
    expect(db.username).toBe(postgres!.environment!.POSTGRES_USER!);
    expect(db.password).toBe(postgres!.environment!.POSTGRES_PASSWORD!);
    expect(db.pathname).toBe(`/${postgres!.environment!.POSTGRES_DB}`);
    expect(db.password).toBe(env.POSTGRES_PASSWORD!);

    // Redis on its default port (its command sets none).
    expect(app.REDIS_URL).toBe(`redis://:${env.REDIS_PASSWORD}@redis:6379`);
    expect(redis!.command!.join(" ")).toContain(`--requirepass ${env.REDIS_PASSWORD}`);
    expect(app.CLUSTER_SECRET).toBe(env.CLUSTER_SECRET!);
    expect(app.JANUS_API_SECRET).toBe(env.JANUS_API_SECRET!);
    expect(janus!.environment!.JANUS_API_SECRET).toBe(env.JANUS_API_SECRET!);
    expect(redis!.command!.join(" ")).not.toContain("--port");

    // Janus: the WebSocket port of the transport config mounted into it, the RTP range published 1:1.
    const janusConf = bindSource(janus!, "/etc/janus-dictate");
    const transport = readFileSync(join(janusConf, "janus.transport.websockets.jcfg"), "utf8");
    const general = readFileSync(join(janusConf, "janus.jcfg"), "utf8");
    expect(app.JANUS_URL).toBe(`ws://janus:${setting(transport, "ws_port")}`);
    expect(setting(transport, "ws_ip")).toBeNull();
    expect(setting(general, "configs_folder")).toBe("/etc/janus-dictate");
    expect(readFileSync(join(janus!.build!.context, "Dockerfile"), "utf8")).toContain("--configs-folder=/etc/janus-dictate");
    const [lo, hi] = setting(general, "rtp_port_range")!.split("-").map(Number) as [number, number];
    const janusPorts = published(janus!);
    for (let port = lo; port <= hi; port++) expect(janusPorts.has(`${port}/udp`)).toBe(true);
    expect(janus!.environment!.JANUS_PUBLIC_IP).toBe(env.PUBLIC_IP!);

    // Recordings: Janus writes where Dictate's worker reads, on one shared volume.
    const recordingsDir = app.RECORDINGS_DIR!;
    for (const service of [services.dictate!, janus!]) {
      const volume = mounts(service).find((v) => v.target === recordingsDir);
      expect(volume).toMatchObject({ type: "volume", source: "recordings" });
    }

    // S3: MinIO's API on the compose network, and the bucket and user minio-init creates.
    const s3 = new URL(app.S3_ENDPOINT!);
    expect(s3.hostname).toBe("minio");
    expect(s3.port).toBe("9000");
    expect(minio!.command).toContain("server");
    const init = services["minio-init"]!;
    for (const key of ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const) {
      expect(init.environment![key]).toBe(app[key]!);
      expect(app[key]).toBe(env[key]!);
    }
    expect(init.environment!.MINIO_ROOT_USER).toBe(minio!.environment!.MINIO_ROOT_USER!);
    expect(init.environment!.MINIO_ROOT_PASSWORD).toBe(minio!.environment!.MINIO_ROOT_PASSWORD!);
    expect(init.depends_on?.minio?.condition).toBe("service_healthy");
    expect(services.dictate!.depends_on?.["minio-init"]?.condition).toBe("service_completed_successfully");
    const script = readFileSync(bindSource(init, "/deploy/minio-init.sh"), "utf8");
    expect(init.entrypoint).toEqual(["sh", "/deploy/minio-init.sh"]);
    expect(script).toContain('mc mb --ignore-existing "dictate/$S3_BUCKET"');
    expect(script).toContain('mc admin user add dictate "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY"');

    // TURN: the secret coturn is started with, and URLs on the ports it listens on and publishes.
    expect(app.TURN_SECRET).toBe(env.TURN_SECRET!);
    expect(coturn!.command).toContain(`--static-auth-secret=${app.TURN_SECRET}`);
    const turnConf = readFileSync(bindSource(coturn!, "/etc/coturn/turnserver.conf"), "utf8");
    expect(coturn!.command!.slice(0, 2)).toEqual(["-c", "/etc/coturn/turnserver.conf"]);
    expect(turnConf).toMatch(/^use-auth-secret$/m);
    // No secret in the file: the only live one is the shared one.
    expect(setting(turnConf, "static-auth-secret")).toBeNull();
    const listening = setting(turnConf, "listening-port")!;
    const tlsListening = setting(turnConf, "tls-listening-port")!;
    const coturnPorts = published(coturn!);
    const urls = app.TURN_URLS!.split(",");
    expect(urls.length).toBeGreaterThan(0);
    expect(app.TURN_URLS).toBe(env.TURN_URLS!);
    for (const url of urls) {
      const m = /^(turns?):([^:?]+):(\d+)(?:\?transport=(udp|tcp))?$/.exec(url);
      expect(m).not.toBeNull();
      const [, scheme, , port, transport] = m!;
      expect(port).toBe(scheme === "turns" ? tlsListening : listening);
      expect(coturnPorts.has(`${port}/${scheme === "turns" ? "tcp" : (transport ?? "udp")}`)).toBe(true);
    }
    const [minPort, maxPort] = [Number(setting(turnConf, "min-port")), Number(setting(turnConf, "max-port"))];
    for (let port = minPort; port <= maxPort; port++) expect(coturnPorts.has(`${port}/udp`)).toBe(true);
    expect(coturn!.command).toContain(`--external-ip=${env.PUBLIC_IP}`);

    // Dictate is reachable only through a proxy on this machine, which is why it trusts X-Forwarded-For.
    expect(ports(services.dictate!).map((p) => p.host_ip)).toEqual(["127.0.0.1"]);
    expect(app.TRUST_PROXY).toBe("true");
    expect(app.PUBLIC_URL).toBe(env.PUBLIC_URL!);
  });

  test.skipIf(!COMPOSE)(`has a healthcheck on every long-running service, and every file it mounts or builds from exists${SKIP}`, async () => {
    const { services } = await composeConfig("--profile", "cluster");
    for (const [name, service] of Object.entries(services)) {
      if (name !== "minio-init") expect({ name, healthcheck: Array.isArray(service.healthcheck?.test) }).toEqual({ name, healthcheck: true });
      for (const volume of mounts(service)) {
        if (volume.type !== "bind") continue;
        expect({ name, source: volume.source, exists: existsSync(volume.source!) }).toEqual({ name, source: volume.source, exists: true });
        expect(volume.read_only).toBe(true);
      }
      if (service.build) expect(statSync(join(service.build.context, service.build.dockerfile ?? "Dockerfile")).isFile()).toBe(true);
    }
    // The mounted Janus folder holds the three files janus.jcfg names.
    for (const file of ["janus.jcfg", "janus.transport.websockets.jcfg", "janus.plugin.videoroom.jcfg"]) {
      expect(existsSync(join(bindSource(services.janus!, "/etc/janus-dictate"), file))).toBe(true);
    }
  });
});

describe(".env.example and the Dockerfiles", () => {
  test("every variable docker-compose.yml uses is in .env.example, and .env.example holds no other", () => {
    const compose = readFileSync(join(ROOT, "docker-compose.yml"), "utf8");
    const used = new Set([...compose.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    expect([...used].sort()).toEqual(Object.keys(env).sort());
  });

  test("the image's final stage runs the single binary as a non-root user; so does the Janus image", () => {
    const { stage, user } = finalStageUser(join(ROOT, "Dockerfile"));
    expect(user).not.toBeNull();
    expect(["root", "0", "0:0"]).not.toContain(user!);
    expect(stage).toContain("COPY --from=build /out/dictate /usr/local/bin/dictate");
    expect(stage).toMatch(/ENTRYPOINT \["\/usr\/local\/bin\/dictate"\]/);
    expect(stage).toMatch(/janus-tools/);
    expect(stage).toMatch(/ffmpeg/);
    expect(readFileSync(join(ROOT, "Dockerfile"), "utf8")).toContain("RUN bash scripts/build.sh /out/dictate");
    const janus = finalStageUser(join(ROOT, "janus/Dockerfile"));
    expect(["root", "0", "0:0", null]).not.toContain(janus.user);
  });
});
