import { describe, expect, it } from 'vitest'
import {
  breakPath,
  identifierTag,
  normalizeIdentifier,
  normalizePath,
  shortenFragments,
  shortenIdentifier,
} from './naming-convention.ts'

describe('normalizeIdentifier (dlt snake_case)', () => {
  // pairs from dlt's tests/common/normalizers/test_naming_snake_case.py and the dlt docs (reference/dlt.md 1(d))
  const pairs: [string, string][] = [
    ['event_value', 'event_value'],
    ['event value', 'event_value'],
    ['event-.!:*<>value', 'event_x_value'],
    ["1event_n'", '_1event_nx'],
    ["123event_n'", '_123event_nx'],
    ['123BaNaNa', '_123_ba_na_na'],
    ['BANANA', 'banana'],
    ['BAN_ANA', 'ban_ana'],
    ['BANaNA', 'ba_na_na'],
    ['Small Love Potion', 'small_love_potion'],
    [' Small Love Potion ', 'small_love_potion'],
    ['BANANA_', 'bananax'],
    ['BANANA____', 'bananaxxxx'],
    ['+-!$*@#=|:', 'x_xa_lx'],
    ['+-*@|', 'x_xal'],
    ['+1', 'x1'],
    ['-1', '_1'],
    ['event__value_value2____', 'event_value_value2xxxx'],
    ['HTTPResponseCode', 'http_response_code'],
    ['userID', 'user_id'],
    ['123abc', '_123abc'],
    ['name_', 'namex'],
    ['price $', 'pricex'],
    ['Ürlaub', '_rlaub'],
    ['customers_id', 'customers_id'],
    ['camelCase', 'camel_case'],
    ['time_since', 'time_since'],
    ['a@b.com', 'aab_com'],
  ]
  it.each(pairs)('%j -> %j', (raw, expected) => {
    expect(normalizeIdentifier(raw)).toBe(expected)
  })

  it('is idempotent', () => {
    for (const [raw] of pairs) {
      const once = normalizeIdentifier(raw)
      expect(normalizeIdentifier(once)).toBe(once)
    }
  })

  it('rejects blank names', () => {
    expect(() => normalizeIdentifier('  \t\n ')).toThrow(RangeError)
  })

  it('strips surrounding whitespace before tagging', () => {
    const raw = ".\n'played CELLO🚧_"
    const short = normalizeIdentifier(raw, Math.floor(raw.length / 2))
    expect(short).toBe(normalizeIdentifier(`  ${raw} \t\n`, Math.floor(raw.length / 2)))
    expect(short).toContain(identifierTag(raw))
    expect(short).toHaveLength(Math.floor(raw.length / 2))
  })
})

describe('shortening (dlt naming.py)', () => {
  // fixture from dlt's tests/common/normalizers/test_naming.py::test_tag_generation
  const tags: [string, string][] = [
    ['3f17271231504b8cf65690bcdc379df8a3b8aabe12efe1ea82848ec5f497cb69', 'gds0iw'],
    ['58e5c351b53ffe1233e0656a532a721ae1d2ac7af71b6cfec8ceb64c63b10721', 'uyboiq'],
    ['e3f34629839cedcabba95354e48a78dc80b0cd35c02ddfbbf20196ba7f968866', '51wdcg'],
    ['f0f22b8e8c58389a6c21dbcc1e261ee0354704e24996a0ec541276f58d1f2f52', 'bpm7ca'],
    ['0d0de95c7c12ceee919d28d22c970285d80a36dea4fe32dbdd667a888ae6d47f', 'doqcuq'],
    ['4973509ea648ddfbaf6c50e1fef33c3b0a3d1c1a82dff543a8255e60b6572567', 'cl7rpq'],
    ['877c89f0dcbd24b8c3f787624ddca09deb6a44e4a72f12527209d78e4d9ed247', 'xrnycg'],
    ['064df58cd3a51c50dbf30e975e63961a501212ff8e8ca544ab396727f4b8a367', 'kgiizq'],
    ['c8f7da1b5c44c1ca10da67c1514c4cf365e4d5912685b25a39206d5c8c1966a1', 'dj9zqq'],
    ['222d42333592ea87823fd2e7868d59fb0aded20603f433319691918299513cb6', 'futp4w'],
    ['757d64eb242a91b494ec9e2661a7946410d68144d33860d6f4154092d65d5009', 'wetlpg'],
    ['3c7348d43478292b4c4e0689d41a536fc8ccabdbd9fb9d0dfbe757a83d34cebe', 'avxagg'],
    ['6896fac1546c201d4dc91d2c51bdcd9c820fe92fd0555947e59fdc89ca6f045d', 'wbaj3w'],
    ['b4def322a4487dd90fcc4abd2f1efde0cdce81d8e0a580fd1897203ab4ebcebe', 'whojmw'],
    ['07d974124b92adafc90473a3968ceb5e8329d815e0e48260473d70a781adb8ae', 'aiqcea'],
    ['c67183a762e379290652cc26a786b21eff347643b1cc9012138f460901ce5d53', 'zfztpg'],
    ['430976db5adef67d0009aa3cd9a2daca106829b36a7232732c5d694e7197c6d1', 'evr7rq'],
    ['c1c8c0ff6933fa4e23fab5605139124b2c6cda0150a412daaea274818ee46e35', 'er0nxq'],
    ['0060c538b6ce02b8d8e2c85b4e2810c58b846f4096ed7ab871fc092c45ac09d9', 'zh9xgg'],
    ['4d4b99ff5d2a3d5cd076782c9cd088cd85d5c789d7de6bdc19c1d206b687d485', '2vvr5a'],
  ]
  it.each(tags)('tag of %s is %s', (content, tag) => {
    expect(identifierTag(content)).toBe(tag)
  })

  it('places the tag in the middle like dlt', () => {
    expect(shortenIdentifier('she played cello well', 20)).toBe('she plauanpualo well')
    expect(shortenIdentifier('012345678', 10)).toBe('012345678')
    expect(shortenIdentifier('0123456789', 10)).toBe('0123456789')
  })

  it('shortens paths to the limit and keeps them stable', () => {
    const long =
      'prospects_external_data__data365_member__member__feed_activities_created_post__items__comments__items__comments__items__author_details__educations'
    expect(normalizePath(breakPath(long))).toBe(long)
    for (const max of [64, 127, 100, 140]) {
      const short = normalizePath(breakPath(long), max)
      expect(short).toHaveLength(max)
      expect(normalizePath(breakPath(short), max)).toBe(short)
    }
    expect(shortenFragments(breakPath(long), 64)).toBe(shortenIdentifier(long, 64))
  })
})

describe('normalizePath', () => {
  it.each([
    [['small_love_potion'], 'small_love_potion'],
    [['small', 'love', 'potion'], 'small__love__potion'],
    [['Small_Love_Potion'], 'small_love_potion'],
    [['Small', 'Love', 'Potion'], 'small__love__potion'],
    [['Small  Love  Potion'], 'small_love_potion'],
    [breakPath('e_vent__value_value2___'), 'e_vent__value_value2__x'],
    [breakPath('Small___Love____Potion_____x'), 'small___love__potion___x'],
    [['Customer', '  ', 'Name'], 'customer__name'],
  ])('%j -> %s', (parts, expected) => {
    expect(normalizePath(parts)).toBe(expected)
  })

  it('breaks paths like dlt', () => {
    expect(breakPath('A__B__C')).toEqual(['A', 'B', 'C'])
    expect(breakPath('_a___b__C___D')).toEqual(['_a', '_b', 'C', '_D'])
    expect(breakPath('_a_____b')).toEqual(['_a', '_b'])
    expect(breakPath('_a____b')).toEqual(['_a', 'b'])
  })
})

describe('whitespace like Python', () => {
  it('strips Python whitespace but not a BOM', () => {
    expect(normalizeIdentifier('\x1cname\x85')).toBe('name')
    expect(normalizeIdentifier('\ufeffname')).toBe('_name')
  })
})

describe('path shortening around the path length (dlt test_normalize_path_shorting)', () => {
  const long =
    'prospects_external_data__data365_member__member__feed_activities_created_post__items__comments__items__comments__items__author_details__educations'
  const dense = 'abcdefghijklmnopqrstuvwxyz'.split('').join('__')
  it.each([
    ['long', long],
    ['dense', dense],
  ])('%s path', (_label, path) => {
    for (let max = Math.floor(path.length / 2); max < Math.floor(path.length * 1.1); max++) {
      const short = normalizePath(breakPath(path), max)
      if (max >= path.length) {
        expect(short).toBe(path)
      } else {
        expect(short).toHaveLength(max)
        expect(normalizePath(breakPath(short), max)).toBe(short)
        for (const part of breakPath(short)) expect(part.length).toBeLessThanOrEqual(max)
      }
    }
  })

  it('shortens a single long identifier', () => {
    const printable =
      '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c'
    const short = normalizePath([printable.repeat(10)], 16)
    expect(short).toHaveLength(16)
    expect(breakPath(short)).toHaveLength(1)
  })
})
