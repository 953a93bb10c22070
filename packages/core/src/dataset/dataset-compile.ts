// A relation's description (names as the user wrote them) compiled against the dataset's schema into the SQL AST.
import { SluiceError } from '../errors.ts'
import { SYSTEM_COLUMNS } from '../normalize/system-columns.ts'
import type { Column, Table } from '../schema/schema-types.ts'
import { type Catalog, resolveColumn } from './dataset-names.ts'
import type { SqlColumnRef, SqlCompareOp, SqlExpr, SqlPredicate, SqlSelect } from './dataset-sql.ts'
import type { RelationColumn, WhereOp } from './dataset-types.ts'
import { paramFor } from './dataset-values.ts'

/** A condition of a relation as the user gave it. */
export type WhereSpec = { column: string; op: WhereOp; value: unknown } | { sql: string }

/** A relation as the user built it: names unresolved until it runs. */
export interface RelationSpec {
  from: { table: string } | { sql: string }
  select?: readonly string[]
  aggregate?: { fn: 'min' | 'max'; column: string }
  joins: readonly { table: string; kind: 'inner' | 'left' }[]
  where: readonly WhereSpec[]
  orderBy: readonly { column: string; direction: 'asc' | 'desc' }[]
  limit?: number
  loads?: readonly string[]
}

/** A compiled relation: the AST (undefined: the user's SQL runs as it is) and, for tables, its columns. */
export interface CompiledRelation {
  select: SqlSelect | undefined
  /** Output columns when known from the schema; undefined for a query's. */
  columns: RelationColumn[] | undefined
}

const OPS: Readonly<Record<string, SqlCompareOp>> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  lt: '<',
  gte: '>=',
  lte: '<=',
}

function invalid(message: string, hint: string): SluiceError {
  return new SluiceError('QUERY_INVALID', message, { hint })
}

/** True when nothing was built on a query: it then runs as the user wrote it. */
function isPlain(spec: RelationSpec): boolean {
  return (
    spec.select === undefined &&
    spec.aggregate === undefined &&
    spec.joins.length === 0 &&
    spec.where.length === 0 &&
    spec.orderBy.length === 0 &&
    spec.limit === undefined &&
    spec.loads === undefined
  )
}

/** A table of the FROM clause with its alias. */
interface Source {
  table: Table
  alias: string
  /** Prefix of its columns in the output: none for the first table, `<table>__` for joined ones. */
  prefix: string
}

/** The ON clause joining `table` to one of `sources` along sluice's parent, child or root keys. */
function joinKeys(
  sources: readonly Source[],
  table: Table,
  alias: string,
): [SqlColumnRef, SqlColumnRef] | undefined {
  const has = (t: Table, name: string): boolean => t.columns.some((c) => c.name === name)
  for (const s of sources) {
    if (table.parent === s.table.name)
      return [
        { alias, column: SYSTEM_COLUMNS.parentId },
        { alias: s.alias, column: SYSTEM_COLUMNS.id },
      ]
    if (s.table.parent === table.name)
      return [
        { alias: s.alias, column: SYSTEM_COLUMNS.parentId },
        { alias, column: SYSTEM_COLUMNS.id },
      ]
  }
  for (const s of sources) {
    if (has(table, SYSTEM_COLUMNS.rootId) && s.table.parent === undefined && isDescendant(table, s.table))
      return [
        { alias, column: SYSTEM_COLUMNS.rootId },
        { alias: s.alias, column: SYSTEM_COLUMNS.id },
      ]
    if (has(s.table, SYSTEM_COLUMNS.rootId) && table.parent === undefined && isDescendant(s.table, table))
      return [
        { alias: s.alias, column: SYSTEM_COLUMNS.rootId },
        { alias, column: SYSTEM_COLUMNS.id },
      ]
  }
  return undefined
}

/** True when `child`'s name says it descends from `root` (`root__a__b`). */
function isDescendant(child: Table, root: Table): boolean {
  return child.name.startsWith(`${root.name}__`)
}

/** Compiles a relation of a query: as written, or wrapped as a subquery when something was built on it. */
function compileQuery(spec: RelationSpec & { from: { sql: string } }): CompiledRelation {
  if (isPlain(spec)) return { select: undefined, columns: undefined }
  if (spec.joins.length > 0)
    throw invalid('a relation of a query cannot join', 'join on a relation of a table (dataset.table(name))')
  if (spec.loads)
    throw invalid('a relation of a query cannot filter by loads', 'filter on _sluice_load_id in the query')
  const ref = (column: string): SqlColumnRef => ({ alias: 'q', column })
  const where = spec.where.map((w): SqlPredicate => {
    if ('sql' in w) return { kind: 'sql', sql: w.sql }
    return predicate(ref(w.column), w.op, w.value, (v) => v)
  })
  const columns: SqlSelect['columns'] = spec.aggregate
    ? [
        {
          expr: { kind: 'aggregate', fn: spec.aggregate.fn, ref: ref(spec.aggregate.column) },
          as: spec.aggregate.column,
        },
      ]
    : spec.select
      ? spec.select.map((c) => ({ expr: { kind: 'column', ref: ref(c) } as SqlExpr, as: c }))
      : '*'
  return {
    select: {
      from: { kind: 'query', sql: spec.from.sql, alias: 'q' },
      joins: [],
      columns,
      where,
      orderBy: spec.orderBy.map((o) => ({ ref: ref(o.column), direction: o.direction })),
      ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
    },
    columns: undefined,
  }
}

/** A WHERE condition from the user's operator and value; `typed` turns a value into the column's parameter. */
function predicate(
  ref: SqlColumnRef,
  op: WhereOp,
  value: unknown,
  typed: (v: unknown) => unknown,
): SqlPredicate {
  switch (op) {
    case 'isNull':
    case 'isNotNull':
      return { kind: 'null', ref, negated: op === 'isNotNull' }
    case 'in':
    case 'notIn':
      if (!Array.isArray(value))
        throw invalid(
          `where(..., '${op}', value) needs an array`,
          `pass the values as an array, e.g. ['a', 'b']`,
        )
      return { kind: 'in', ref, values: value.map(typed), negated: op === 'notIn' }
    default: {
      const sqlOp = OPS[op]
      if (!sqlOp)
        throw invalid(
          `unknown operator "${op}"`,
          'use eq, ne, gt, lt, gte, lte, in, notIn, isNull or isNotNull, or where(sqlFragment)',
        )
      if (value === null || value === undefined) {
        if (op === 'eq' || op === 'ne') return { kind: 'null', ref, negated: op === 'ne' }
        throw invalid(
          `where(..., '${op}', null) compares with nothing`,
          'compare with a value, or use isNull',
        )
      }
      return { kind: 'compare', ref, op: sqlOp, value: typed(value) }
    }
  }
}

/** Compiles a relation against the dataset's schema. */
export function compileRelation(spec: RelationSpec, catalog: Catalog): CompiledRelation {
  if ('sql' in spec.from) return compileQuery(spec as RelationSpec & { from: { sql: string } })
  const maxLength = catalog.maxIdentifierLength
  const base = catalog.table(spec.from.table)
  const sources: Source[] = [{ table: base, alias: 't0', prefix: '' }]
  const joins: SqlSelect['joins'][number][] = []
  for (const j of spec.joins) {
    const table = catalog.table(j.table)
    if (sources.some((s) => s.table.name === table.name))
      throw invalid(`table "${table.name}" is in the relation already`, 'join each table once')
    const alias = `t${sources.length}`
    const on = joinKeys(sources, table, alias)
    if (!on) {
      const relatives = sources.flatMap((s) => catalog.relatives(s.table))
      throw invalid(
        `"${table.name}" is neither a parent, child nor root table of ${sources.map((s) => `"${s.table.name}"`).join(', ')}`,
        relatives.length
          ? `join one of ${relatives.map((r) => `"${r}"`).join(', ')}`
          : 'these tables have no child tables',
      )
    }
    joins.push({ kind: j.kind, table: table.name, alias, on })
    sources.push({ table, alias, prefix: `${table.name}__` })
  }

  /** A column by name: `table.column` of a table in the relation, a base column, or a joined `<table>__<column>`. */
  const resolve = (name: string): { ref: SqlColumnRef; column: Column; output: string } => {
    const dot = name.lastIndexOf('.')
    if (dot > 0) {
      const source = sourceNamed(name.slice(0, dot))
      if (source) {
        try {
          return columnOf(source, name.slice(dot + 1))
        } catch (error) {
          // `users.name` may still be the path of a column of the first table (`users__name`)
          if (sources.length > 1) throw error
        }
      }
    }
    try {
      return columnOf(sources[0]!, name)
    } catch (error) {
      for (const s of sources.slice(1))
        if (name.startsWith(s.prefix)) return columnOf(s, name.slice(s.prefix.length))
      throw error
    }
  }
  const sourceNamed = (name: string): Source | undefined => {
    let table: Table
    try {
      table = catalog.table(name)
    } catch {
      return undefined
    }
    return sources.find((s) => s.table.name === table.name)
  }
  const columnOf = (source: Source, name: string): { ref: SqlColumnRef; column: Column; output: string } => {
    const column = resolveColumn(source.table, name, maxLength)
    return {
      ref: { alias: source.alias, column: column.name },
      column,
      output: `${source.prefix}${column.name}`,
    }
  }

  let items: { ref: SqlColumnRef; column: Column; output: string }[]
  let expr = (item: { ref: SqlColumnRef }): SqlExpr => ({ kind: 'column', ref: item.ref })
  if (spec.aggregate) {
    items = [resolve(spec.aggregate.column)]
    const fn = spec.aggregate.fn
    expr = (item) => ({ kind: 'aggregate', fn, ref: item.ref })
  } else if (spec.select) {
    items = spec.select.map(resolve)
  } else {
    items = sources.flatMap((s) => s.table.columns.map((c) => columnOf(s, c.name)))
  }

  const where = spec.where.map((w): SqlPredicate => {
    if ('sql' in w) return { kind: 'sql', sql: w.sql }
    const { ref, column } = resolve(w.column)
    return predicate(ref, w.op, w.value, (v) => paramFor(column, v))
  })
  if (spec.loads) {
    if (!base.columns.some((c) => c.name === SYSTEM_COLUMNS.loadId))
      throw invalid(`table "${base.name}" has no ${SYSTEM_COLUMNS.loadId}`, 'filter loads on a data table')
    where.push({
      kind: 'in',
      ref: { alias: 't0', column: SYSTEM_COLUMNS.loadId },
      values: [...spec.loads],
      negated: false,
    })
  }
  return {
    select: {
      from: { kind: 'table', table: base.name, alias: 't0' },
      joins,
      columns: items.map((i) => ({ expr: expr(i), as: i.output })),
      where,
      orderBy: spec.orderBy.map((o) => ({ ref: resolve(o.column).ref, direction: o.direction })),
      ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
    },
    columns: items.map((i) => ({ name: i.output, dataType: i.column.dataType })),
  }
}
