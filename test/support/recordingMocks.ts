import * as pulumi from "@pulumi/pulumi";

/** The secret marker Pulumi's wire format wraps secret values in. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** One resource the program registered, as the engine would receive it. */
export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  /** Inputs with secret wrappers removed (what a provider would be handed). */
  inputs: Record<string, any>;
  /** Inputs as serialized on the wire: secret values stay wrapped where they are nested. */
  rawInputs: Record<string, unknown>;
  /** Paths (`uploads[3].content`) of every secret value in the inputs. */
  secretPaths: string[];
  custom: boolean;
  parent: string;
  /** URNs this resource depends on (explicit dependsOn and resources its inputs came from). */
  dependencies: string[];
  protect: boolean;
  deleteBeforeReplace: boolean;
  /** URN of the resource whose deletion also deletes this one ("" when none). */
  deletedWith: string;
  additionalSecretOutputs: string[];
  /** Input properties whose changes the engine ignores once the resource exists. */
  ignoreChanges: string[];
  /** The engine forgets the resource instead of deleting it. */
  retainOnDelete: boolean;
  /** Input paths whose change replaces the resource (and "#initerror": a failed create is replaced). */
  replaceOnChanges: string[];
  /** Reference (`<urn>::<id>`) of the explicit provider that manages it; "" for the default provider. */
  provider: string;
}

export function isSecretWrapper(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Removes secret wrappers, recording where they were. */
export function unwrapSecrets(value: unknown, path = "", found: string[] = []): unknown {
  if (isSecretWrapper(value)) {
    found.push(path || "(root)");
    return unwrapSecrets(value.value, path, found);
  }
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, found));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapSecrets(v, path ? `${path}.${k}` : k, found);
    return out;
  }
  return value;
}

/** Every string in `value` that is not inside a secret wrapper. */
export function plainStrings(value: unknown, out: string[] = []): string[] {
  if (isSecretWrapper(value)) return out;
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => plainStrings(v, out));
  else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => plainStrings(v, out));
  return out;
}

export interface RecordingMocks {
  resources: RecordedResource[];
  byType(type: string): RecordedResource[];
  byName(type: string, name: string): RecordedResource;
}

/** A mocks `newResource` that is also handed the registration's record (URN, options, dependencies). */
export type RecordingNewResource = (
  args: pulumi.runtime.MockResourceArgs,
  record: RecordedResource,
) => Promise<pulumi.runtime.MockResourceResult> | pulumi.runtime.MockResourceResult;

/**
 * Installs Pulumi mocks that record every registration with its resource options (protect,
 * dependencies, deleteBeforeReplace, …), which the SDK's MockResourceArgs leaves out. `newResource`
 * decides each resource's id and state and receives the record (its URN already set); the
 * end-to-end harness makes it deploy for real.
 */
export async function setRecordingMocks(
  newResource: RecordingNewResource,
  project: string,
  stack: string,
  call: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> = (args) => args.inputs,
): Promise<RecordingMocks> {
  const resources: RecordedResource[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
  const original = MockMonitor.prototype.registerResource;
  if (!original.__pgstackRecording) {
    const patched = async function (this: any, req: any, callback: (err: any, resp: any) => void) {
      const raw = req.getObject() ? req.getObject().toJavaScript() : {};
      const secretPaths: string[] = [];
      const record: RecordedResource = {
        type: req.getType(),
        name: req.getName(),
        // The URN the monitor is about to give it, known before newResource runs.
        urn: this.newUrn(req.getParent(), req.getType(), req.getName()),
        inputs: unwrapSecrets(raw, "", secretPaths) as Record<string, any>,
        rawInputs: raw,
        secretPaths,
        custom: req.getCustom(),
        parent: req.getParent(),
        dependencies: req.getDependenciesList(),
        protect: req.getProtect(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        deletedWith: req.getDeletedwith(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        ignoreChanges: req.getIgnorechangesList(),
        retainOnDelete: req.getRetainondelete() ?? false,
        replaceOnChanges: req.getReplaceonchangesList(),
        provider: req.getProvider() ?? "",
      };
      (this.__pgstackRecords as RecordedResource[]).push(record);
      // A per-call view of the monitor whose newResource also receives this registration's record.
      const view = Object.create(this);
      view.mocks = { ...this.mocks, newResource: (args: pulumi.runtime.MockResourceArgs) => this.mocks.newResource(args, record) };
      return original.call(view, req, (err: any, resp: any) => {
        if (resp) record.urn = resp.getUrn();
        callback(err, resp);
      });
    };
    (patched as any).__pgstackRecording = true;
    MockMonitor.prototype.registerResource = patched;
  }
  MockMonitor.prototype.__pgstackRecords = resources;
  // Registrations reach newResource through the patched registerResource above, record included.
  const mocks = { newResource: newResource as (args: pulumi.runtime.MockResourceArgs) => ReturnType<RecordingNewResource>, call };
  await pulumi.runtime.setMocks(mocks, project, stack, false);
  return {
    resources,
    byType: (type) => resources.filter((r) => r.type === type),
    byName: (type, name) => {
      const found = resources.find((r) => r.type === type && r.name === name);
      if (!found) throw new Error(`no ${type} named ${name} was registered; registered: ${resources.map((r) => `${r.type}/${r.name}`).join(", ")}`);
      return found;
    },
  };
}
