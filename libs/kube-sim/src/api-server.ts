import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authorizer } from './authorizer.js';
import { forbiddenReason, type Principal } from './authorizer.js';
import {
  aggregatedDiscovery,
  AGGREGATED_V2,
  AGGREGATED_V2BETA1,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  versionInfo,
  wantsAggregated,
} from './discovery.js';
import type { FaultInjector } from './fault-injector.js';
import { parseBody, readBody, sendError, sendJson, sendRaw } from './http-io.js';
import { isObject } from './json-util.js';
import type { ObjectApi, PatchType, Scope } from './object-api.js';
import { openApiV3Document, openApiV3Root } from './openapi.js';
import type { RequestStats } from './request-stats.js';
import { parseRequestUrl, parseRoute, type RequestUrl, type Route } from './request-route.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { ResourceInfo } from './resource-info.js';
import { scaleOf, replicasFromScale } from './scale-subresource.js';
import { SelectorError } from './selectors.js';
import { ApiError, errors, StatusReason } from './status-error.js';
import { decodeKubernetesProtobuf, ProtobufError } from './protobuf-decoder.js';
import {
  partialMetadataMismatch,
  toPartialObjectMetadata,
  toPartialObjectMetadataList,
  wantsPartialMetadata,
} from './partial-metadata.js';
import { toTable, wantsTable } from './table.js';
import type { JsonObject, JsonValue, KubeObject, SimLogger } from './types.js';
import { WatchHandler } from './watch-handler.js';
import { accessReview } from './access-review.js';
import { deleteOptionsOf, listOptions, parseOptionalBody } from './request-options.js';
import type { WatchHub } from './watch-hub.js';

export interface ApiServerDeps {
  registry: ResourceRegistry;
  api: ObjectApi;
  hub: WatchHub;
  faults: FaultInjector;
  auth: Authorizer;
  stats: RequestStats;
  logger?: SimLogger;
  serverAddress: () => string;
  admin: (req: IncomingMessage, res: ServerResponse, action: string, url: RequestUrl) => Promise<void>;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

function bool(v: string | null): boolean {
  return v === 'true' || v === '1';
}

/** The field manager of a non-apply write: `fieldManager`, else the User-Agent up to its first '/'. */
function managerOf(url: RequestUrl, req: IncomingMessage): string {
  const fm = url.searchParams.get('fieldManager');
  if (fm) return fm;
  const ua = req.headers['user-agent'] ?? '';
  return (ua.split('/')[0] ?? '').slice(0, 128) || 'unknown';
}

/**
 * Whether an immediate DELETE answers with the deleted object (the registry's ReturnDeletedObject: pods,
 * service accounts, custom resources) rather than a Status Success.
 */
function returnsDeletedObject(info: ResourceInfo): boolean {
  return (
    info.crd !== undefined ||
    (info.group === '' && (info.plural === 'pods' || info.plural === 'serviceaccounts'))
  );
}

/** `Warning: 299 - "text"` headers, as the apiserver sends for unknown fields and deprecations. */
function warningHeaders(warnings: readonly string[]): Record<string, string> | undefined {
  if (warnings.length === 0) return undefined;
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

/** A create/update body: JSON, YAML, or the protobuf kubectl's `create <kind>` generators send. */
function decodeObjectBody(buf: Buffer, contentType: string): JsonValue {
  if (contentType === 'application/vnd.kubernetes.protobuf') {
    try {
      return decodeKubernetesProtobuf(buf);
    } catch (err) {
      if (err instanceof ProtobufError)
        throw new ApiError(
          415,
          StatusReason.UnsupportedMediaType,
          `unable to decode protobuf body: ${err.message}`,
        );
      throw err;
    }
  }
  if (contentType.includes('protobuf') || contentType.includes('cbor'))
    throw errors.unsupportedMediaType(contentType);
  return parseBody(buf, { yaml: contentType.includes('yaml') });
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof SelectorError) return errors.badRequest(err.message);
  return errors.internal(err instanceof Error ? err.message : String(err));
}

/** Routes HTTP requests to discovery, the object API and watches, with auth, faults and stats on the way. */
export class ApiServer {
  private readonly watch: WatchHandler;

  constructor(private readonly d: ApiServerDeps) {
    this.watch = new WatchHandler({ hub: d.hub, api: d.api, store: d.api.store });
  }

  get watches(): WatchHandler {
    return this.watch;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestUrl(req.url ?? '/');
    const route = parseRoute(url.pathname);
    if (route.type === 'admin') return this.d.admin(req, res, route.action, url);
    try {
      const principal = this.d.auth.authenticate(req.headers.authorization);
      if (!principal) throw errors.unauthorized();
      if (route.type === 'resource') await this.resource(req, res, url, route, principal);
      else this.nonResource(req, res, route);
    } catch (err) {
      const e = toApiError(err);
      if (e.code >= 500 && e.reason === 'InternalError' && !(err instanceof ApiError))
        this.d.logger?.error?.({ err }, 'kube-sim: internal error');
      this.d.stats.recordStatus(e.code);
      sendError(res, e);
    }
  }

  private nonResource(req: IncomingMessage, res: ServerResponse, route: Route): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed(req.method ?? '');
    const accept = req.headers.accept;
    const { registry } = this.d;
    this.d.stats.record({ verb: 'get', resource: '', userAgent: req.headers['user-agent'] ?? '' });
    switch (route.type) {
      case 'version':
        return sendJson(res, 200, versionInfo());
      case 'health':
        return sendRaw(res, 200, 'text/plain; charset=utf-8', 'ok');
      case 'api': {
        const agg = wantsAggregated(accept);
        if (agg)
          return sendRaw(
            res,
            200,
            agg === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1,
            JSON.stringify(aggregatedDiscovery(registry, true, agg)),
          );
        return sendJson(res, 200, apiVersions(this.d.serverAddress()));
      }
      case 'apis': {
        const agg = wantsAggregated(accept);
        if (agg)
          return sendRaw(
            res,
            200,
            agg === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1,
            JSON.stringify(aggregatedDiscovery(registry, false, agg)),
          );
        return sendJson(res, 200, apiGroupList(registry));
      }
      case 'group': {
        const g = apiGroup(registry, route.group);
        if (!g) throw errors.notFoundPath();
        return sendJson(res, 200, g);
      }
      case 'resource-list': {
        const l = apiResourceList(registry, route.group, route.version);
        if (!l) throw errors.notFoundPath();
        return sendJson(res, 200, l);
      }
      case 'openapi-v3-root':
        return sendJson(res, 200, openApiV3Root(registry));
      case 'openapi-v3': {
        const doc = openApiV3Document(registry, route.group, route.version);
        if (!doc) throw errors.notFoundPath();
        return sendJson(res, 200, doc);
      }
      default:
        throw errors.notFoundPath();
    }
  }

  private async resource(
    req: IncomingMessage,
    res: ServerResponse,
    url: RequestUrl,
    route: Extract<Route, { type: 'resource' }>,
    principal: Principal,
  ): Promise<void> {
    const info = this.d.registry.lookup(route.group, route.version, route.plural);
    if (!info) throw errors.notFoundPath();
    if (route.namespace && !info.namespaced) throw errors.notFoundPath();
    const sub = route.subresource;
    if (
      sub &&
      !(
        (sub === 'status' && info.statusSubresource) ||
        (sub === 'scale' && info.scaleSubresource) ||
        (sub === 'finalize' && info.kind === 'Namespace' && !info.group)
      )
    )
      throw errors.notFoundPath();
    const method = req.method ?? 'GET';
    const params = url.searchParams;
    const isWatch = route.watchPath || bool(params.get('watch'));
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let verb: string;
    if (method === 'GET' || method === 'HEAD')
      verb = route.name ? (isWatch ? 'watch' : 'get') : isWatch ? 'watch' : 'list';
    else if (method === 'POST' && !route.name) verb = 'create';
    else if (method === 'PUT' && route.name) verb = 'update';
    else if (method === 'PATCH' && route.name)
      verb = PATCH_TYPES[contentType] === 'apply' ? 'apply' : 'patch';
    else if (method === 'DELETE') verb = route.name ? 'delete' : 'deletecollection';
    else throw errors.methodNotAllowed(method);
    if (
      sub &&
      (verb === 'delete' ||
        verb === 'create' ||
        verb === 'list' ||
        verb === 'watch' ||
        verb === 'deletecollection')
    )
      throw errors.methodNotAllowed(method);
    if (!info.verbs.includes(verb === 'apply' ? 'patch' : verb)) throw errors.methodNotAllowed(method);

    if (info.group === 'authorization.k8s.io' && info.plural === 'selfsubjectaccessreviews') {
      // Virtual: every authenticated user may ask what it may do (system:basic-user); nothing is stored.
      this.d.stats.record({ verb, resource: info.plural, userAgent: req.headers['user-agent'] ?? '' });
      return sendJson(
        res,
        201,
        accessReview(this.d.auth, decodeObjectBody(await readBody(req), contentType), principal),
      );
    }
    const attrs = {
      verb: verb === 'apply' ? 'patch' : verb,
      group: info.group,
      resource: info.plural,
      subresource: sub,
      namespace: route.namespace,
    };
    if (!this.d.auth.allows(principal, attrs))
      throw errors.forbidden(
        { group: info.group, resource: info.plural },
        route.name || undefined,
        forbiddenReason(principal, attrs),
      );

    const resourceLabel = sub ? `${info.plural}/${sub}` : info.plural;
    const isWrite = verb !== 'get' && verb !== 'list' && verb !== 'watch';
    const manager = verb === 'apply' ? (params.get('fieldManager') ?? '') : managerOf(url, req);
    this.d.stats.record({
      verb,
      resource: resourceLabel,
      fieldManager: isWrite && verb !== 'delete' && verb !== 'deletecollection' ? manager : undefined,
      userAgent: req.headers['user-agent'] ?? '',
    });
    if (this.d.faults.active) {
      const injected = await this.d.faults.before(verb, info.plural, sub || undefined);
      if (injected) throw injected;
    }

    const scope: Scope = { info, version: route.version, namespace: route.namespace };
    const accept = req.headers.accept;
    const partial =
      verb === 'get' || verb === 'list' || verb === 'watch' ? wantsPartialMetadata(accept) : undefined;
    const dryRun = params.getAll('dryRun').includes('All');
    const fv = params.get('fieldValidation');
    if (fv !== null && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore')
      throw errors.badRequest(
        `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`,
      );
    const fieldValidation = fv ?? undefined;
    const warnings: string[] = [];
    const subresource = sub === 'status' ? 'status' : '';

    switch (verb) {
      case 'get': {
        const mismatch = partial && !sub ? partialMetadataMismatch(partial, info, 'object') : undefined;
        if (mismatch) throw mismatch;
        const obj = this.d.api.get(scope, route.name);
        if (sub === 'scale') return sendJson(res, 200, scaleOf(info, obj));
        if (partial) return sendJson(res, 200, toPartialObjectMetadata(obj, partial.version));
        if (wantsTable(accept))
          return sendJson(
            res,
            200,
            toTable(info, [obj], {
              resourceVersion: obj.metadata.resourceVersion,
              includeObject: params.get('includeObject') ?? undefined,
            }),
          );
        return sendJson(res, 200, obj);
      }
      case 'list': {
        const mismatch = partial ? partialMetadataMismatch(partial, info, 'list') : undefined;
        if (mismatch) throw mismatch;
        const result = this.d.api.list(scope, listOptions(params));
        if (wantsTable(accept))
          return sendJson(
            res,
            200,
            toTable(info, result.items, {
              resourceVersion: result.resourceVersion,
              continueToken: result.continueToken,
              includeObject: params.get('includeObject') ?? undefined,
            }),
          );
        const metadata: JsonObject = { resourceVersion: result.resourceVersion };
        if (result.continueToken) metadata.continue = result.continueToken;
        if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
        if (partial)
          return sendJson(res, 200, toPartialObjectMetadataList(result.items, metadata, partial.version));
        const list = {
          kind: info.listKind,
          apiVersion: info.group ? `${info.group}/${route.version}` : route.version,
          metadata,
          items: result.items,
        };
        return sendJson(res, 200, list);
      }
      case 'watch': {
        // A watch sends objects one by one: only the PartialObjectMetadata form fits (see docs/kube-sim.md).
        if (partial?.as === 'PartialObjectMetadataList') throw errors.notAcceptable(accept ?? '');
        const opts = listOptions(params);
        if (route.name)
          opts.fields = [...(opts.fields ?? []), { path: 'metadata.name', op: '=', value: route.name }];
        return this.watch.start(req, res, scope, {
          labels: opts.labels ?? [],
          fields: opts.fields ?? [],
          resourceVersion: params.get('resourceVersion') ?? undefined,
          resourceVersionMatch: params.get('resourceVersionMatch') ?? undefined,
          allowBookmarks: bool(params.get('allowWatchBookmarks')),
          sendInitialEvents: params.has('sendInitialEvents')
            ? bool(params.get('sendInitialEvents'))
            : undefined,
          timeoutSeconds: params.has('timeoutSeconds') ? Number(params.get('timeoutSeconds')) : undefined,
          table: wantsTable(accept),
          includeObject: params.get('includeObject') ?? undefined,
          ...(partial ? { partialMetadata: partial.version } : {}),
        });
      }
      case 'create': {
        const body = decodeObjectBody(await readBody(req), contentType);
        const obj = this.d.api.create(scope, body, {
          manager,
          dryRun,
          subresource: '',
          fieldValidation,
          warnings,
        });
        return sendJson(res, 201, obj, warningHeaders(warnings));
      }
      case 'update': {
        const body = decodeObjectBody(await readBody(req), contentType);
        if (sub === 'scale')
          return sendJson(res, 200, this.scaleWrite(scope, route.name, body, manager, dryRun));
        if (sub === 'finalize')
          return sendJson(res, 200, this.finalizeNamespace(scope, route.name, body, manager, dryRun));
        const updated = this.d.api.update(scope, route.name, body, {
          manager,
          dryRun,
          subresource,
          fieldValidation,
          warnings,
        });
        return sendJson(res, 200, updated, warningHeaders(warnings));
      }
      case 'patch':
      case 'apply': {
        const type = PATCH_TYPES[contentType];
        if (!type || (type === 'strategic' && info.crd)) throw errors.unsupportedMediaType(contentType);
        const body = parseBody(await readBody(req), { yaml: type === 'apply' });
        if (sub === 'scale') {
          const current = scaleOf(info, this.d.api.get(scope, route.name));
          const patched = this.d.api.patchValue(scope, current, type, body);
          return sendJson(res, 200, this.scaleWrite(scope, route.name, patched, manager, dryRun));
        }
        const existed = type === 'apply' ? this.d.api.find(scope, route.name) !== undefined : true;
        const obj = this.d.api.patch(scope, route.name, type, body, {
          manager,
          dryRun,
          subresource,
          force: bool(params.get('force')),
          fieldValidation,
          warnings,
        });
        return sendJson(res, existed ? 200 : 201, obj, warningHeaders(warnings));
      }
      case 'delete': {
        const opts = deleteOptionsOf(parseOptionalBody(await readBody(req)), params);
        const { object, deleted } = this.d.api.delete(scope, route.name, opts);
        if (deleted && !returnsDeletedObject(info))
          return sendJson(res, 200, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: {
              name: route.name,
              ...(info.group ? { group: info.group } : {}),
              kind: info.plural,
              uid: object.metadata.uid ?? '',
            },
          });
        return sendJson(res, 200, object);
      }
      case 'deletecollection': {
        const opts = deleteOptionsOf(parseOptionalBody(await readBody(req)), params);
        const items = this.d.api.deleteCollection(scope, listOptions(params), opts);
        return sendJson(res, 200, {
          kind: info.listKind,
          apiVersion: info.group ? `${info.group}/${route.version}` : route.version,
          metadata: { resourceVersion: String(this.d.api.store.resourceVersion) },
          items,
        });
      }
      default:
        throw errors.methodNotAllowed(method);
    }
  }

  private scaleWrite(
    scope: Scope,
    name: string,
    body: JsonValue,
    manager: string,
    dryRun: boolean,
  ): JsonObject {
    const obj = this.d.api.get(scope, name);
    const replicas = replicasFromScale(body, scope.info, name);
    const rv = isObject(body) && isObject(body.metadata) ? body.metadata.resourceVersion : undefined;
    const next: KubeObject = {
      ...obj,
      metadata: { ...obj.metadata },
      spec: { ...(isObject(obj.spec) ? obj.spec : {}), replicas },
    };
    if (typeof rv === 'string' && rv) next.metadata.resourceVersion = rv;
    const updated = this.d.api.update(scope, name, next, { manager, dryRun, subresource: '' });
    return scaleOf(scope.info, updated);
  }

  private finalizeNamespace(
    scope: Scope,
    name: string,
    body: JsonValue,
    manager: string,
    dryRun: boolean,
  ): KubeObject {
    const obj = this.d.api.get(scope, name);
    const spec = isObject(body) && isObject(body.spec) ? body.spec : {};
    const next: KubeObject = {
      ...obj,
      spec: {
        ...(isObject(obj.spec) ? obj.spec : {}),
        finalizers: Array.isArray(spec.finalizers) ? spec.finalizers : [],
      },
    };
    return this.d.api.update(scope, name, next, { manager, dryRun, subresource: '' });
  }
}
