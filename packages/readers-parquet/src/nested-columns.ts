/**
 * The columns of a file's schema tree, nested ones included: lists, structs and maps, with the
 * Parquet format's backward-compatibility rules for old list and map layouts (two-level lists,
 * `array` / `<name>_tuple` elements, MAP_KEY_VALUE, repeated fields without annotation).
 *
 * hyparquet assembles nested columns itself, but turns maps into objects with string keys (losing
 * key types and duplicates) and guesses at old list layouts. So the reader hands it a schema
 * without the LIST/MAP annotations ({@link plainAssemblySchema}): every group then arrives as an
 * object and every repeated field as an array, and the converters built here give each value its
 * documented shape from the real schema.
 */
import { col, type Field, type FieldOptions } from '@etl/core';
import type { FileMetaData, SchemaElement } from 'hyparquet';
import {
  type FileColumn,
  isDecimal,
  leafColumnOf,
  nullSafe,
  type TypeMappingOptions,
  unsupported,
  type ValueConverter,
} from './column-types.js';

interface SchemaNode {
  readonly element: SchemaElement;
  readonly children: readonly SchemaNode[];
}

function isGroup(e: SchemaElement): boolean {
  return e.type === undefined || (e.num_children ?? 0) > 0;
}

function treeAt(schema: readonly SchemaElement[], at: number): { node: SchemaNode; next: number } {
  const element = schema[at]!;
  const children: SchemaNode[] = [];
  let next = at + 1;
  for (let k = 0; k < (element.num_children ?? 0) && next < schema.length; k++) {
    const child = treeAt(schema, next);
    children.push(child.node);
    next = child.next;
  }
  return { node: { element, children }, next };
}

/** The top-level columns of a file, in file order, nested ones included. */
export function fileColumnsOf(metadata: FileMetaData, mapping: TypeMappingOptions = {}): FileColumn[] {
  const schema = metadata.schema;
  const out: FileColumn[] = [];
  let i = 1;
  while (i < schema.length) {
    const { node, next } = treeAt(schema, i);
    out.push(nodeColumn(node, mapping, false));
    i = next;
  }
  return out;
}

/** Names of the top-level columns that are single, non-repeated leaves (hyparquet's "flat" columns). */
export function flatColumnNames(metadata: FileMetaData): Set<string> {
  const schema = metadata.schema;
  const out = new Set<string>();
  let i = 1;
  while (i < schema.length) {
    const { node, next } = treeAt(schema, i);
    if (!isGroup(node.element) && node.element.repetition_type !== 'REPEATED') out.add(node.element.name);
    i = next;
  }
  return out;
}

/** Dotted paths of the leaves that `test` accepts (the form of a chunk's `path_in_schema`). */
export function leafPaths(metadata: FileMetaData, test: (e: SchemaElement) => boolean): Set<string> {
  const out = new Set<string>();
  const walk = (node: SchemaNode, prefix: string): void => {
    const path = prefix ? `${prefix}.${node.element.name}` : node.element.name;
    if (!isGroup(node.element)) {
      if (test(node.element)) out.add(path);
      return;
    }
    for (const child of node.children) walk(child, path);
  };
  let i = 1;
  while (i < metadata.schema.length) {
    const { node, next } = treeAt(metadata.schema, i);
    walk(node, '');
    i = next;
  }
  return out;
}

const LIST_OR_MAP = new Set(['LIST', 'MAP', 'MAP_KEY_VALUE']);

/**
 * The schema hyparquet is asked to decode with: no LIST/MAP annotations (see the module comment)
 * and no DECIMAL annotation (hyparquet would turn decimals into lossy doubles; the reader formats
 * the stored integers exactly). Returns the metadata itself when nothing needs removing.
 */
export function plainAssemblySchema(metadata: FileMetaData): FileMetaData {
  const strip = (e: SchemaElement): boolean =>
    isDecimal(e) || LIST_OR_MAP.has(e.converted_type ?? '') || LIST_OR_MAP.has(e.logical_type?.type ?? '');
  if (!metadata.schema.some(strip)) return metadata;
  const schema = metadata.schema.map((e) => {
    if (!strip(e)) return e;
    const { converted_type: _c, logical_type: _l, ...rest } = e;
    return rest as SchemaElement;
  });
  return { ...metadata, schema };
}

const orNull: ValueConverter = (v) => v ?? null;

function renamed(field: Field, name: string): Field {
  return Object.freeze({ ...field, name });
}

function within(name: string, child: FileColumn): FileColumn {
  return { name, unsupported: `its field ${child.name}: ${child.unsupported ?? ''}` };
}

/** A repeated field without LIST annotation: a list (never null; no occurrence is `[]`). */
function repeatedColumn(node: SchemaNode, mapping: TypeMappingOptions): FileColumn {
  const name = node.element.name;
  const item = nodeColumn(node, mapping, true);
  if (!item.field) return within(name, item);
  const convertItem = item.convert ?? orNull;
  return {
    name,
    field: col.list(name, renamed(item.field, 'element'), { nullable: false }),
    convert: (v) => (Array.isArray(v) ? v.map(convertItem) : []),
  };
}

function listColumn(node: SchemaNode, options: FieldOptions, mapping: TypeMappingOptions): FileColumn {
  const name = node.element.name;
  const repeated = node.children[0]!;
  const r = repeated.element;
  // Backward-compatibility rules of the format: the repeated field is itself the element unless it
  // is a one-field group with a modern name (three-level list: its only child is the element).
  const twoLevel =
    !isGroup(r) || repeated.children.length !== 1 || r.name === 'array' || r.name === `${name}_tuple`;
  const elementNode = twoLevel ? repeated : repeated.children[0]!;
  const element = nodeColumn(elementNode, mapping, twoLevel);
  if (!element.field) return within(name, element);
  const convertElement = element.convert ?? orNull;
  const itemsKey = r.name;
  const elementKey = elementNode.element.name;
  const convertItem: ValueConverter = twoLevel
    ? convertElement
    : (item) => convertElement((item as Record<string, unknown> | null)?.[elementKey]);
  return {
    name,
    field: col.list(name, renamed(element.field, 'element'), options),
    convert: nullSafe((v) => {
      const items = (v as Record<string, unknown>)[itemsKey];
      return Array.isArray(items) ? items.map(convertItem) : [];
    }),
  };
}

function mapColumn(node: SchemaNode, options: FieldOptions, mapping: TypeMappingOptions): FileColumn {
  const name = node.element.name;
  const entries = node.children[0]!;
  const [keyNode, valueNode] = entries.children;
  if (!keyNode || !valueNode || entries.children.length !== 2)
    return unsupported(name, 'a MAP without one key and one value field');
  const key = nodeColumn(keyNode, mapping, false);
  if (!key.field) return within(name, key);
  const value = nodeColumn(valueNode, mapping, false);
  if (!value.field) return within(name, value);
  const convertKey = key.convert ?? orNull;
  const convertValue = value.convert ?? orNull;
  const entriesKey = entries.element.name;
  const keyName = keyNode.element.name;
  const valueName = valueNode.element.name;
  return {
    name,
    field: col.map(name, renamed(key.field, 'key'), renamed(value.field, 'value'), options),
    convert: nullSafe((v) => {
      const list = (v as Record<string, unknown>)[entriesKey];
      if (!Array.isArray(list)) return [];
      return list.map((entry: Record<string, unknown>) => ({
        key: convertKey(entry[keyName]),
        value: convertValue(entry[valueName]),
      }));
    }),
  };
}

function structColumn(node: SchemaNode, options: FieldOptions, mapping: TypeMappingOptions): FileColumn {
  const name = node.element.name;
  if (node.children.length === 0) return unsupported(name, 'an empty group');
  const fields: Field[] = [];
  const keys: string[] = [];
  const converters: ValueConverter[] = [];
  for (const childNode of node.children) {
    // Assigning it would set the object's prototype, not a field (hyparquet assigns it too).
    if (childNode.element.name === '__proto__')
      return unsupported(name, 'a struct with a field named __proto__');
    const child = nodeColumn(childNode, mapping, false);
    if (!child.field) return within(name, child);
    fields.push(child.field);
    keys.push(child.name);
    converters.push(child.convert ?? orNull);
  }
  return {
    name,
    field: col.struct(name, fields, options),
    convert: nullSafe((v) => {
      const source = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (let k = 0; k < keys.length; k++) out[keys[k]!] = converters[k]!(source[keys[k]!]);
      return out;
    }),
  };
}

function isAnnotated(e: SchemaElement, type: 'LIST' | 'MAP'): boolean {
  return (
    e.converted_type === type ||
    e.logical_type?.type === type ||
    (type === 'MAP' && e.converted_type === 'MAP_KEY_VALUE')
  );
}

/** One repeated child: the shape both LIST and MAP annotations require. */
function hasOneRepeatedChild(node: SchemaNode): boolean {
  return node.children.length === 1 && node.children[0]!.element.repetition_type === 'REPEATED';
}

/**
 * Maps a schema node to a column. `asItem`: the node is the item of a list (its own repetition is
 * the list's, and it is never null).
 */
function nodeColumn(node: SchemaNode, mapping: TypeMappingOptions, asItem: boolean): FileColumn {
  const e = node.element;
  if (!asItem && e.repetition_type === 'REPEATED') return repeatedColumn(node, mapping);
  const options: FieldOptions = { nullable: !asItem && e.repetition_type === 'OPTIONAL' };
  if (!isGroup(e)) return leafColumnOf(e, options, mapping);
  if (isAnnotated(e, 'LIST') && hasOneRepeatedChild(node)) return listColumn(node, options, mapping);
  if (isAnnotated(e, 'MAP') && hasOneRepeatedChild(node) && isGroup(node.children[0]!.element))
    return mapColumn(node, options, mapping);
  return structColumn(node, options, mapping);
}
