// Query parameters of list and watch requests, parsed and checked as upstream's
// ValidateListOptions does. Pure.
import { parseFieldSelector, type FieldSelector } from './field-selector.ts';
import { parseLabelSelector, type LabelSelector } from './label-selector.ts';
import type { ResourceInfo } from './resources.ts';
import { badRequest, invalid } from './status.ts';

export interface ListOptions {
  readonly labelSelector: LabelSelector;
  readonly fieldSelector: FieldSelector;
  /** 0 = no limit. */
  readonly limit: number;
  readonly continueToken: string;
  /** '' = most recent, '0' = any, else a number. */
  readonly resourceVersion: string;
  readonly resourceVersionMatch: '' | 'Exact' | 'NotOlderThan';
  readonly watch: boolean;
  readonly allowWatchBookmarks: boolean;
  readonly sendInitialEvents: boolean | undefined;
  readonly timeoutSeconds: number | undefined;
}

/** Go's strconv.ParseBool. */
function parseBool(name: string, text: string | null): boolean | undefined {
  if (text === null) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(text)) return false;
  throw badRequest(`invalid value for ${name}: ${JSON.stringify(text)}: strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
}

function parseInteger(name: string, text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  if (!/^-?\d+$/.test(text))
    throw badRequest(`invalid value for ${name}: ${JSON.stringify(text)}: strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}

function forbidden(field: string, message: string): never {
  throw invalid('ListOptions', 'meta.k8s.io', '', [{ field, reason: 'FieldValueForbidden', message: `Forbidden: ${message}` }]);
}

function supportedFields(info: ResourceInfo): readonly string[] {
  return info.namespaced ? ['metadata.name', 'metadata.namespace', ...info.extraFieldLabels] : ['metadata.name', ...info.extraFieldLabels];
}

export function parseListOptions(info: ResourceInfo, query: URLSearchParams): ListOptions {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  if (!labels.ok) throw badRequest(labels.error);
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '');
  if (!fields.ok) throw badRequest(fields.error);
  const unsupported = fields.value.find((r) => !supportedFields(info).includes(r.field));
  if (unsupported !== undefined) throw badRequest(`field label not supported: ${unsupported.field}`);
  const resourceVersion = query.get('resourceVersion') ?? '';
  if (resourceVersion !== '' && !/^\d+$/.test(resourceVersion)) throw badRequest(`invalid resource version: ${JSON.stringify(resourceVersion)}`);
  const match = query.get('resourceVersionMatch') ?? '';
  if (match !== '' && match !== 'Exact' && match !== 'NotOlderThan') {
    throw invalid('ListOptions', 'meta.k8s.io', '', [
      {
        field: 'resourceVersionMatch',
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`,
      },
    ]);
  }
  const options: ListOptions = {
    labelSelector: labels.value,
    fieldSelector: fields.value,
    limit: Math.max(0, parseInteger('limit', query.get('limit')) ?? 0),
    continueToken: query.get('continue') ?? '',
    resourceVersion,
    resourceVersionMatch: match,
    watch: parseBool('watch', query.get('watch')) ?? false,
    allowWatchBookmarks: parseBool('allowWatchBookmarks', query.get('allowWatchBookmarks')) ?? false,
    sendInitialEvents: parseBool('sendInitialEvents', query.get('sendInitialEvents')),
    timeoutSeconds: parseInteger('timeoutSeconds', query.get('timeoutSeconds')),
  };
  checkCombinations(options);
  return options;
}

function checkCombinations(o: ListOptions): void {
  if (o.sendInitialEvents !== undefined) {
    if (!o.watch) forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list');
    if (o.resourceVersionMatch !== 'NotOlderThan') forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    if (!o.allowWatchBookmarks) forbidden('allowWatchBookmarks', 'sendInitialEvents requires setting allowWatchBookmarks to true');
    return;
  }
  if (o.watch && o.resourceVersionMatch !== '')
    forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
  if (o.resourceVersionMatch === '') return;
  if (o.resourceVersion === '') forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (o.continueToken !== '') forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
  if (o.resourceVersionMatch === 'Exact' && o.resourceVersion === '0') {
    forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  }
}
