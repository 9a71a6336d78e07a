import { clone, deepEqual, isObject } from './json-util.js';
import {
  builtinListSemantics,
  crdListSemantics,
  crdMapEntry,
  type ListSemanticsFn,
} from './list-semantics.js';
import { decodeManagers, setManagers } from './managed-fields.js';
import { generateName, hasFinalizers, newUid, timestamp, validateMetadata } from './object-meta.js';
import type { ObjectStore } from './object-store.js';
import { apiVersionOf, type ResourceInfo } from './resource-info.js';
import { validateCrd } from './resource-registry.js';
import { ignoredPaths, serverSideApply, trackUpdate } from './server-side-apply.js';
import { ApiError, errors, StatusReason, type Qualified, type StatusCause } from './status-error.js';
import type { JsonObject, JsonValue, KubeObject } from './types.js';
import type { WatchHub } from './watch-hub.js';
import { badMicroTime, defaultObject } from './object-defaults.js';
import { listObjects, type ListOptions, type ListResult } from './object-list.js';

export type { ListOptions, ListResult } from './object-list.js';
export type { PatchType, Scope } from './request-scope.js';
import type { PatchType, Scope } from './request-scope.js';
import { applyPatchOrThrow, specChanged } from './patch-dispatch.js';
import { conformToSchema, pruneToSchema, unknownFields } from './crd-schema.js';
import { undeclaredApplyFields, undeclaredFieldsMessage } from './apply-typing.js';

export interface WriteOptions {
  /** Field manager recorded in managedFields. */
  manager: string;
  /** `fieldValidation`: Strict rejects unknown fields of custom resources (400), Warn (default) reports them. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Collects `Warning` header texts for the response. */
  warnings?: string[];
  dryRun?: boolean;
  subresource?: '' | 'status';
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ObjectApiDeps {
  store: ObjectStore;
  hub: WatchHub;
  now?: () => Date;
  random?: () => number;
}

const STATUS_STRIPPED_METADATA = ['deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

function q(info: ResourceInfo): Qualified {
  return { group: info.group, resource: info.plural };
}

function objectName(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

/**
 * The REST semantics of every resource, independent of HTTP: create/get/list/update/patch/apply/delete with
 * resourceVersion preconditions, generation, status subresource, managed fields and finalizers.
 */
export class ObjectApi {
  readonly store: ObjectStore;
  private readonly hub: WatchHub;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly semantics = new Map<string, ListSemanticsFn>();
  private readonly mapEntries = new Map<string, (path: readonly string[]) => boolean>();

  constructor(deps: ObjectApiDeps) {
    this.store = deps.store;
    this.hub = deps.hub;
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
  }

  listSemantics(scope: Scope): ListSemanticsFn {
    if (!scope.info.crd) return builtinListSemantics;
    const key = `${scope.info.storageKey}/${scope.version}`;
    let fn = this.semantics.get(key);
    if (!fn) this.semantics.set(key, (fn = crdListSemantics(scope.info.schemas?.[scope.version])));
    return fn;
  }

  /** Drops cached list semantics after a CRD changed. */
  forgetSchema(storageKey: string): void {
    for (const k of [...this.semantics.keys()]) if (k.startsWith(`${storageKey}/`)) this.semantics.delete(k);
    for (const k of [...this.mapEntries.keys()])
      if (k.startsWith(`${storageKey}/`)) this.mapEntries.delete(k);
  }

  /** The object as the requested version presents it (objects are stored once, versions differ in apiVersion). */
  present(obj: KubeObject, scope: Scope): KubeObject {
    const apiVersion = apiVersionOf(scope.info.group, scope.version);
    return obj.apiVersion === apiVersion ? obj : { ...obj, apiVersion };
  }

  get(scope: Scope, name: string): KubeObject {
    const obj = this.store.get(scope.info.storageKey, scope.info.namespaced ? scope.namespace : '', name);
    if (!obj) throw errors.notFound(q(scope.info), name);
    return this.present(obj, scope);
  }

  find(scope: Scope, name: string): KubeObject | undefined {
    return this.store.get(scope.info.storageKey, scope.info.namespaced ? scope.namespace : '', name);
  }

  list(scope: Scope, opts: ListOptions = {}): ListResult {
    return listObjects(
      { store: this.store, hub: this.hub, present: (o) => this.present(o, scope) },
      scope,
      opts,
    );
  }

  create(scope: Scope, body: JsonValue, opts: WriteOptions): KubeObject {
    const { info } = scope;
    const obj = this.checkBody(scope, body);
    this.decodeTimes(scope, obj);
    const meta = obj.metadata;
    if (!meta.name && typeof meta.generateName === 'string' && meta.generateName) {
      let name: string;
      let attempts = 0;
      do name = generateName(meta.generateName, this.random);
      while (this.find(scope, name) && ++attempts < 8);
      meta.name = name;
    }
    const name = objectName(obj);
    this.validate(scope, obj, name);
    if (this.find(scope, name)) throw errors.alreadyExists(q(info), name);
    if (info.statusSubresource && opts.subresource !== 'status') delete obj.status;
    this.checkUnknownFields(scope, obj, opts);
    const conformed = this.conform(scope, obj, name);
    if (info.namespaced) this.requireLiveNamespace(scope, name);
    if (info.kind === 'CustomResourceDefinition' && info.group === 'apiextensions.k8s.io') {
      const problems = validateCrd(obj);
      if (problems.length > 0)
        throw errors.invalid(
          { ...q(info), kind: info.kind },
          name,
          problems.map((p) => ({ reason: 'FieldValueInvalid', ...p })),
        );
    }
    const now = this.now();
    const cmeta = conformed.metadata;
    cmeta.uid = newUid();
    cmeta.creationTimestamp = timestamp(now);
    for (const k of [
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'resourceVersion',
      'selfLink',
    ] as const)
      delete cmeta[k];
    if (info.generation) cmeta.generation = 1;
    else delete cmeta.generation;
    defaultObject(info, conformed, undefined);
    if (opts.manager)
      setManagers(conformed, trackUpdate(undefined, conformed, [], this.fm(scope, opts, now)));
    else delete cmeta.managedFields;
    return this.commit(scope, undefined, conformed, opts);
  }

  update(scope: Scope, name: string, body: JsonValue, opts: WriteOptions): KubeObject {
    const { info } = scope;
    const old = this.find(scope, name);
    if (!old) throw errors.notFound(q(info), name);
    const incoming = this.checkBody(scope, body);
    this.decodeTimes(scope, incoming);
    if (incoming.metadata.name && incoming.metadata.name !== name)
      throw errors.badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    const rv = incoming.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion)
      throw errors.conflict(
        q(info),
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    // As the apiserver's storage: an update naming a uid is guarded by it (a precondition, 409).
    const uid = incoming.metadata.uid;
    if (typeof uid === 'string' && uid !== '' && uid !== old.metadata.uid)
      throw errors.conflict(
        q(info),
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid ?? ''}`,
      );
    return this.replace(scope, old, incoming, opts);
  }

  /** Builds the next state from a full object the client sent (PUT or a non-apply patch result). */
  private replace(scope: Scope, old: KubeObject, incoming: KubeObject, opts: WriteOptions): KubeObject {
    const { info } = scope;
    let next: KubeObject;
    if (opts.subresource === 'status') {
      next = { ...old, metadata: { ...old.metadata } };
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
    } else {
      this.checkImmutableMeta(scope, old, incoming.metadata);
      next = { ...incoming, metadata: { ...incoming.metadata } };
      for (const k of [
        'name',
        'namespace',
        'uid',
        'creationTimestamp',
        'generation',
        ...STATUS_STRIPPED_METADATA,
      ] as const) {
        if (old.metadata[k] === undefined) delete next.metadata[k];
        else (next.metadata as JsonObject)[k] = old.metadata[k];
      }
      if (info.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status;
      }
      next.apiVersion = old.apiVersion;
      next.kind = info.kind;
    }
    this.checkUnknownFields(scope, next, opts);
    next = this.conform(scope, next, objectName(old));
    const now = this.now();
    const incomingManaged = incoming.metadata.managedFields;
    let base = decodeManagers(old);
    if (Array.isArray(incomingManaged) && !deepEqual(incomingManaged, old.metadata.managedFields)) {
      // A client resetting managedFields (`[{}]` clears them) or writing its own entries.
      base = decodeManagers({
        metadata: { managedFields: incomingManaged.filter((e) => isObject(e) && e.manager) },
      });
    }
    defaultObject(info, next, old);
    if (opts.manager) setManagers(next, trackUpdate(old, next, base, this.fm(scope, opts, now)));
    else setManagers(next, [...base]);
    return this.finishWrite(scope, old, next, opts);
  }

  patch(
    scope: Scope,
    name: string,
    type: PatchType,
    patch: JsonValue,
    opts: WriteOptions & { force?: boolean },
  ): KubeObject {
    if (type === 'apply') return this.apply(scope, name, patch, { ...opts, force: opts.force ?? false });
    const { info } = scope;
    const old = this.find(scope, name);
    if (!old) throw errors.notFound(q(info), name);
    const current = this.present(old, scope);
    const patched = applyPatchOrThrow(
      type,
      current,
      patch,
      this.listSemantics(scope),
      { ...q(info), kind: info.kind },
      name,
    );
    if (!isObject(patched) || !isObject(patched.metadata))
      throw errors.badRequest('the patched object is not a valid object: metadata is missing');
    const p = patched as KubeObject;
    const badTime = badMicroTime(info, p);
    if (badTime) {
      // The apiserver decodes the patched object and reports it as an invalid `patch`.
      const message = `Invalid value: ${JSON.stringify(JSON.stringify(p))}: ${badTime}`;
      throw new ApiError(422, StatusReason.Invalid, ` "" is invalid: patch: ${message}`, {
        causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }],
      });
    }
    if (
      p.metadata.resourceVersion !== undefined &&
      p.metadata.resourceVersion !== old.metadata.resourceVersion
    )
      throw errors.conflict(
        q(info),
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    if (p.metadata.name !== undefined && p.metadata.name !== name)
      throw errors.badRequest(
        `the name of the object (${String(p.metadata.name)}) does not match the name on the URL (${name})`,
      );
    return this.replace(scope, old, p, opts);
  }

  /** A patch applied to an arbitrary value (the `/scale` view); apply configurations merge like merge patches. */
  patchValue(scope: Scope, current: JsonObject, type: PatchType, patch: JsonValue): JsonValue {
    const { info } = scope;
    return applyPatchOrThrow(
      type === 'apply' ? 'merge' : type,
      current as KubeObject,
      patch,
      this.listSemantics(scope),
      { ...q(info), kind: info.kind },
      isObject(current.metadata) && typeof current.metadata.name === 'string' ? current.metadata.name : '',
    );
  }

  apply(scope: Scope, name: string, body: JsonValue, opts: WriteOptions & { force: boolean }): KubeObject {
    const { info } = scope;
    if (!opts.manager) throw errors.badRequest('fieldManager is required for apply requests');
    if (!isObject(body))
      throw errors.badRequest('error decoding patch: the apply configuration must be an object');
    const applied = body as KubeObject;
    if (typeof applied.apiVersion !== 'string' || !applied.apiVersion)
      throw errors.badRequest('apiVersion must be set in an apply configuration');
    if (typeof applied.kind !== 'string' || !applied.kind)
      throw errors.badRequest('kind must be set in an apply configuration');
    if (applied.kind !== info.kind || applied.apiVersion !== apiVersionOf(info.group, scope.version))
      throw errors.badRequest(
        `the API version in the data (${applied.apiVersion}) does not match the expected API version (${apiVersionOf(info.group, scope.version)}) or kind (${applied.kind}) does not match (${info.kind})`,
      );
    if (!isObject(applied.metadata)) applied.metadata = {};
    const meta = applied.metadata;
    if (meta.name !== undefined && meta.name !== name)
      throw errors.badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
      );
    if (info.namespaced && meta.namespace !== undefined && meta.namespace !== scope.namespace)
      throw errors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    const badTime = badMicroTime(info, applied);
    if (badTime) {
      const meta = applied.metadata;
      throw errors.failure(
        `failed to convert new object (${typeof meta.namespace === 'string' ? meta.namespace : ''}/${name}; ${info.group}/${scope.version}, Kind=${info.kind}) to proper version: unable to convert unstructured object to ${info.group}/${scope.version}, Kind=${info.kind}: ${badTime}`,
      );
    }
    const undeclared = undeclaredApplyFields(
      applied,
      info,
      info.schemas?.[scope.version],
      this.listSemantics(scope),
    );
    if (undeclared.length > 0)
      throw errors.failure(undeclaredFieldsMessage(undeclared, applied, applied.apiVersion, info.kind));
    if (info.crd) {
      this.checkUnknownFields(scope, applied, opts);
      // Objects without declared properties take any key but keep none: pruned before merging, as on create.
      const pruned = pruneToSchema(applied, info.schemas?.[scope.version]);
      for (const k of Object.keys(applied)) if (!(k in pruned)) delete applied[k];
      Object.assign(applied, pruned);
    }
    const live = this.find(scope, name);
    if (meta.resourceVersion !== undefined && live && meta.resourceVersion !== live.metadata.resourceVersion)
      throw errors.conflict(
        q(info),
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    if (!live) {
      if (opts.subresource === 'status') throw errors.notFound(q(info), name);
      // An applied configuration naming a uid only ever applies to that object, never creates one.
      if (typeof meta.uid === 'string' && meta.uid !== '')
        throw errors.conflict(
          q(info),
          name,
          `uid mismatch: the provided object specified uid ${meta.uid}, and no existing object was found`,
        );
      if (info.namespaced) this.requireLiveNamespace(scope, name);
    } else if (opts.subresource !== 'status') this.checkImmutableMeta(scope, live, meta);
    const now = this.now();
    const fm = this.fm(scope, opts, now);
    const outcome = serverSideApply(
      live ? this.present(live, scope) : undefined,
      applied,
      decodeManagers(live),
      {
        ...fm,
        manager: opts.manager,
        force: opts.force,
      },
    );
    if (!outcome.ok) throw errors.applyConflict(q(info), name, outcome.conflicts);
    const next = this.conform(scope, outcome.object, name);
    next.apiVersion = live?.apiVersion ?? applied.apiVersion;
    next.kind = info.kind;
    const nm = next.metadata;
    nm.name = name;
    if (info.namespaced) nm.namespace = scope.namespace;
    else delete nm.namespace;
    if (live) {
      for (const k of [
        'uid',
        'creationTimestamp',
        'generation',
        'resourceVersion',
        ...STATUS_STRIPPED_METADATA,
      ] as const) {
        if (live.metadata[k] === undefined) delete nm[k];
        else (nm as JsonObject)[k] = live.metadata[k];
      }
    } else {
      nm.uid = newUid();
      nm.creationTimestamp = timestamp(now);
      if (info.generation) nm.generation = 1;
      for (const k of [
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'resourceVersion',
        'generateName',
      ] as const)
        delete nm[k];
    }
    this.validate(scope, next, name);
    defaultObject(info, next, live);
    setManagers(next, outcome.managers);
    if (!live) {
      if (info.kind === 'CustomResourceDefinition' && info.group === 'apiextensions.k8s.io') {
        const problems = validateCrd(next);
        if (problems.length > 0)
          throw errors.invalid(
            { ...q(info), kind: info.kind },
            name,
            problems.map((p) => ({ reason: 'FieldValueInvalid', ...p })),
          );
      }
      return this.commit(scope, undefined, next, opts);
    }
    return this.finishWrite(scope, live, next, opts);
  }

  /** Deletes one object: finalizers (and foreground/orphan propagation) turn it into setting deletionTimestamp. */
  delete(scope: Scope, name: string, opts: DeleteOptions = {}): { object: KubeObject; deleted: boolean } {
    const { info } = scope;
    const obj = this.find(scope, name);
    if (!obj) throw errors.notFound(q(info), name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== obj.metadata.uid)
      throw errors.conflict(
        q(info),
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion)
      throw errors.conflict(
        q(info),
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`,
      );
    const policy = opts.propagationPolicy ?? 'Background';
    const finalizers = [...(obj.metadata.finalizers ?? [])];
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
      finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (
      info.kind === 'CustomResourceDefinition' &&
      info.group === 'apiextensions.k8s.io' &&
      !finalizers.includes('customresourcecleanup.apiextensions.k8s.io')
    )
      finalizers.push('customresourcecleanup.apiextensions.k8s.io');
    const held = finalizers.length > 0 || hasFinalizers(obj);
    if (obj.metadata.deletionTimestamp) {
      if (finalizers.length === (obj.metadata.finalizers?.length ?? 0))
        return { object: this.present(obj, scope), deleted: false };
      const next: KubeObject = { ...obj, metadata: { ...obj.metadata, finalizers } };
      return {
        object: this.present(this.commit(scope, obj, next, { manager: '', dryRun: opts.dryRun }), scope),
        deleted: false,
      };
    }
    if (held) {
      const next: KubeObject = {
        ...obj,
        metadata: {
          ...obj.metadata,
          deletionTimestamp: timestamp(this.now()),
          deletionGracePeriodSeconds: 0,
        },
      };
      if (finalizers.length > 0) next.metadata.finalizers = finalizers;
      if (info.generation) next.metadata.generation = (obj.metadata.generation ?? 0) + 1;
      if (info.kind === 'Namespace' && !info.group)
        next.status = { ...(isObject(obj.status) ? obj.status : {}), phase: 'Terminating' };
      return {
        object: this.present(this.commit(scope, obj, next, { manager: '', dryRun: opts.dryRun }), scope),
        deleted: false,
      };
    }
    if (opts.dryRun) return { object: this.present(obj, scope), deleted: true };
    return { object: this.present(this.remove(scope, obj), scope), deleted: true };
  }

  deleteCollection(scope: Scope, list: ListOptions, opts: DeleteOptions): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.list(scope, list).items) {
      const s = o.metadata.namespace ? { ...scope, namespace: o.metadata.namespace } : scope;
      out.push(this.delete(s, objectName(o), { ...opts, preconditions: undefined }).object);
    }
    return out;
  }

  /** Commits an object with a new resourceVersion (or removes it if deleting and no finalizer is left). */
  private finishWrite(scope: Scope, old: KubeObject, next: KubeObject, opts: WriteOptions): KubeObject {
    const { info } = scope;
    this.validate(scope, next, objectName(old));
    if (old.metadata.deletionTimestamp) {
      const before = new Set(old.metadata.finalizers ?? []);
      const added = (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length > 0)
        throw errors.invalid({ ...q(info), kind: info.kind }, objectName(old), [
          {
            reason: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
          },
        ]);
    }
    if (info.generation && generationBumps(info, old, next))
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (deepEqual(old, next)) return this.present(old, scope);
    if (next.metadata.deletionTimestamp && !hasFinalizers(next)) {
      if (opts.dryRun) return this.present(next, scope);
      return this.present(this.remove(scope, next), scope);
    }
    return this.present(this.commit(scope, old, next, opts), scope);
  }

  private commit(
    scope: Scope,
    _old: KubeObject | undefined,
    next: KubeObject,
    opts: { manager: string; dryRun?: boolean },
  ): KubeObject {
    if (opts.dryRun) return next;
    const rv = this.store.nextRv();
    next.metadata.resourceVersion = String(rv);
    this.store.put(scope.info.storageKey, next, rv);
    return next;
  }

  private remove(scope: Scope, obj: KubeObject): KubeObject {
    const rv = this.store.nextRv();
    const final: KubeObject = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    this.store.remove(scope.info.storageKey, final, rv);
    return final;
  }

  /** For custom resources: which objects are map entries of the version's schema (see crdMapEntry). */
  private mapEntry(scope: Scope): ((path: readonly string[]) => boolean) | undefined {
    if (!scope.info.crd) return undefined;
    const key = `${scope.info.storageKey}/${scope.version}`;
    let fn = this.mapEntries.get(key);
    if (!fn) this.mapEntries.set(key, (fn = crdMapEntry(scope.info.schemas?.[scope.version])));
    return fn;
  }

  private fm(scope: Scope, opts: WriteOptions, now: Date) {
    return {
      listSemantics: this.listSemantics(scope),
      mapEntry: this.mapEntry(scope),
      // A custom resource's empty object has only metadata; a built-in kind's Go zero value spec and status.
      zero: scope.info.crd ? { metadata: {} } : { metadata: {}, spec: {}, status: {} },
      ignore: ignoredPaths({
        statusSubresource: scope.info.statusSubresource,
        subresource: opts.subresource ?? '',
      }),
      apiVersion: apiVersionOf(scope.info.group, scope.version),
      subresource: opts.subresource ?? '',
      now: timestamp(now),
      manager: opts.manager,
    };
  }

  /** Decoding the body into the kind's Go type: a malformed MicroTime is a 400 (create and update). */
  private decodeTimes(scope: Scope, obj: KubeObject): void {
    const bad = badMicroTime(scope.info, obj);
    if (bad)
      throw errors.badRequest(
        `${scope.info.kind} in version "${scope.version}" cannot be handled as a ${scope.info.kind}: ${bad}`,
      );
  }

  /** A request body as an object of this resource, namespace filled in. */
  private checkBody(scope: Scope, body: JsonValue): KubeObject {
    const { info } = scope;
    if (!isObject(body)) throw errors.badRequest('the body of the request must be a JSON object');
    const obj = clone(body) as KubeObject;
    if (obj.kind !== undefined && obj.kind !== info.kind)
      throw errors.badRequest(
        `the kind in the request body (${String(obj.kind)}) does not match the resource (${info.kind})`,
      );
    const expected = apiVersionOf(info.group, scope.version);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected)
      throw errors.badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`,
      );
    obj.apiVersion = expected;
    obj.kind = info.kind;
    if (!isObject(obj.metadata)) obj.metadata = {};
    if (info.namespaced) {
      if (obj.metadata.namespace && scope.namespace && obj.metadata.namespace !== scope.namespace)
        throw errors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      obj.metadata.namespace = scope.namespace || obj.metadata.namespace || 'default';
    } else delete obj.metadata.namespace;
    return obj;
  }

  /** Unknown fields of a custom resource body: 400 under fieldValidation=Strict, warnings under Warn. */
  private checkUnknownFields(scope: Scope, obj: KubeObject, opts: WriteOptions): void {
    const schema = scope.info.crd ? scope.info.schemas?.[scope.version] : undefined;
    const mode = opts.fieldValidation ?? 'Warn';
    if (!schema || mode === 'Ignore') return;
    const unknown = unknownFields(obj, schema);
    if (unknown.length === 0) return;
    if (mode === 'Strict')
      throw errors.badRequest(
        `${scope.info.kind} in version "${scope.version}" cannot be handled as a ${scope.info.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
      );
    for (const f of unknown) opts.warnings?.push(`unknown field "${f}"`);
  }

  /** Custom resources: pruned, defaulted and validated against the version's structural schema (422). */
  private conform(scope: Scope, obj: KubeObject, name: string): KubeObject {
    const schema = scope.info.crd ? scope.info.schemas?.[scope.version] : undefined;
    if (!schema) return obj;
    const { object, causes } = conformToSchema(obj, schema);
    if (causes.length > 0) throw errors.invalid({ ...q(scope.info), kind: scope.info.kind }, name, causes);
    return object as KubeObject;
  }

  /**
   * As the apiserver's ObjectMeta update validation (apply and patches): a write that would change the uid of
   * an existing object, or its deletionGracePeriodSeconds (set by deletion only), is invalid (422), nothing
   * written — while a create drops the grace period. Clients rely on that for a create-only server-side apply
   * and for an apply to one object only (libs/kube KubeClusterPorts.applyIfAbsent, applyIfUid).
   */
  private checkImmutableMeta(scope: Scope, live: KubeObject, incoming: JsonObject): void {
    const causes: StatusCause[] = [];
    const uid = incoming.uid;
    if (uid !== undefined && uid !== null && uid !== '' && uid !== live.metadata.uid)
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(uid)}: field is immutable`,
        field: 'metadata.uid',
      });
    const grace = incoming.deletionGracePeriodSeconds;
    if (grace !== undefined && grace !== null && grace !== live.metadata.deletionGracePeriodSeconds)
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(grace)}: field is immutable`,
        field: 'metadata.deletionGracePeriodSeconds',
      });
    if (causes.length > 0)
      throw errors.invalid({ ...q(scope.info), kind: scope.info.kind }, objectName(live), causes);
  }

  private validate(scope: Scope, obj: KubeObject, name: string): void {
    const causes: StatusCause[] = validateMetadata(obj.metadata, {
      dnsLabelName: scope.info.kind === 'Namespace' && !scope.info.group,
    });
    if (causes.length > 0) throw errors.invalid({ ...q(scope.info), kind: scope.info.kind }, name, causes);
  }

  private requireLiveNamespace(scope: Scope, name: string): void {
    const ns = this.store.get('namespaces', '', scope.namespace);
    if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, scope.namespace);
    if (ns.metadata.deletionTimestamp)
      throw errors.forbidden(
        q(scope.info),
        name,
        `unable to create new content in namespace ${scope.namespace} because it is being terminated`,
        [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${scope.namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      );
  }
}

/**
 * Whether an update bumps metadata.generation: a change to anything but metadata (and status, with a status
 * subresource) — and for an apps Deployment also an annotation change, as kube-apiserver's deployment strategy
 * does (annotations are copied to its ReplicaSets, so the controller must observe them).
 */
function generationBumps(
  info: { group: string; kind: string; statusSubresource: boolean },
  old: KubeObject,
  next: KubeObject,
): boolean {
  if (specChanged(old, next, info.statusSubresource)) return true;
  return (
    info.group === 'apps' &&
    info.kind === 'Deployment' &&
    !deepEqual(old.metadata.annotations ?? {}, next.metadata.annotations ?? {})
  );
}
