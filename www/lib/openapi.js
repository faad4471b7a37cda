// The OpenAPI 3 document of the router's routes, made from the same table the router dispatches on
// (routes.js), so that what the document says is what the router answers.

import { DETAIL_ROUTES, FORMATS, LIST_ROUTES } from './routes.js';

const ERROR = {
  description: 'A JSON error: `detail` says what and why; 400s name the `parameter`, 502s the bucket\'s `upstreamStatus` and `url`.',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['detail'],
        properties: {
          detail: { type: 'string' },
          parameter: { type: 'string' },
          upstreamStatus: { type: 'integer', nullable: true },
          url: { type: 'string', nullable: true },
        },
      },
    },
  },
};

function schemaOf(param) {
  const s = { type: param.type === 'string' ? 'string' : param.type };
  if (param.enum) s.enum = param.enum;
  if (param.default !== undefined) s.default = param.default;
  if (param.min != null) s.minimum = param.min;
  if (param.max != null) s.maximum = param.max;
  if (param.repeat) return { type: 'array', items: s };
  return s;
}

function parameter(param) {
  const o = {
    name: param.name,
    in: param.in ?? 'query',
    description: param.description,
    required: param.in === 'path' ? true : Boolean(param.required),
    schema: schemaOf(param),
  };
  if (param.repeat) {
    o.style = 'form';
    o.explode = true;
  }
  return o;
}

const ID = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'A registered image name, or the COG\'s URL, URL-encoded (absolute, or relative to the site: `%2Fdata%2Fbmng.tif`); a URL must be on an allowed origin.',
  schema: { type: 'string' },
};

function responses(route) {
  const ok = route.answer.type === 'json'
    ? { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } }
    : {
        description: 'The image',
        content: Object.fromEntries([...new Set(Object.values(FORMATS))].map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
      };
  return { 200: ok, 304: { description: 'Not modified (If-None-Match matched the ETag)' }, 400: ERROR, 403: ERROR, 404: ERROR, 500: ERROR, 502: ERROR, 504: ERROR };
}

function operation(route, path, alias) {
  const params = route.params.filter((p) => alias?.fmt == null || p.name !== 'fmt');
  return {
    get: {
      operationId: alias ? `${route.name}_${alias.path.replace(/\W+/g, '_')}` : route.name,
      summary: route.summary,
      description: alias
        ? `The django-large-image 0.1.0 spelling of \`${route.path}\`${alias.projectionDefault ? ` (projection defaults to ${alias.projectionDefault})` : ''}.`
        : undefined,
      deprecated: alias ? true : undefined,
      tags: [alias ? '0.1.0 spellings' : route.path.split('/')[0]],
      parameters: [ID, ...params.map(parameter)],
      responses: responses(route),
    },
  };
}

/** The OpenAPI 3.0 document of a router at `prefix` (detail routes) and `listsPrefix` (the lists). */
export function openapiDocument({ prefix = '/api/image', listsPrefix = '/api/large-image' } = {}) {
  const paths = {};
  for (const route of DETAIL_ROUTES) {
    paths[`${prefix}/{id}/${route.path}`] = operation(route, route.path, null);
    for (const alias of route.aliases) paths[`${prefix}/{id}/${alias.path}`] = operation(route, alias.path, alias);
  }
  for (const l of LIST_ROUTES) {
    paths[`${listsPrefix}/${l.path}`] = {
      get: {
        operationId: l.name,
        summary: l.summary,
        tags: ['large-image'],
        responses: { 200: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    };
  }
  paths[`${prefix}/openapi.json`] = {
    get: { operationId: 'openapi', summary: 'This document.', tags: ['large-image'], responses: { 200: { description: 'OpenAPI 3 JSON' } } },
  };
  return {
    openapi: '3.0.3',
    info: {
      title: 'large-image-wasm: django-large-image\'s API, served in the browser',
      version: '0.1.0',
      description:
        'The routes of django-large-image 0.10.5 (and its 0.1.0 spellings), answered by a service worker (or any ' +
        'JavaScript runtime) from Cloud Optimized GeoTIFFs read with HTTP range requests. Pixel-space tiles follow ' +
        'large_image\'s 256-pixel pyramid; `projection=EPSG:3857` gives web-mercator XYZ tiles.',
    },
    paths: JSON.parse(JSON.stringify(paths)),
  };
}
