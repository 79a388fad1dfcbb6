/**
 * The pending-call table: growth with many calls in flight, and the overflow for a call that is
 * still pending when the ring comes round to its slot.
 */
import { expect, test } from 'vitest'
import { PendingCalls } from '../src/pending'
import type { RemoteRecord } from '../src/remote'

const record = {} as RemoteRecord
const other = {} as RemoteRecord

function track(table: PendingCalls, id: number, on = record): { settled: unknown[] } {
  const result = { settled: [] as unknown[] }
  table.add(
    id,
    Promise.resolve(),
    (value) => result.settled.push(['ok', value]),
    (error) => result.settled.push(['error', error]),
    on,
  )
  return result
}

test('thousands in flight settle each exactly once, in any order', () => {
  const table = new PendingCalls()
  const calls = Array.from({ length: 5000 }, (_, i) => track(table, i + 1))
  expect(table.size).toBe(5000)
  for (let id = 5000; id >= 1; id -= 2) expect(table.resolve(id, id)).toBe(true)
  for (let id = 1; id <= 5000; id += 2) expect(table.reject(id, id)).toBe(true)
  expect(table.size).toBe(0)
  expect(table.resolve(3, 'again')).toBe(false)
  calls.forEach((call, i) => {
    expect(call.settled).toEqual([[(i + 1) % 2 === 0 ? 'ok' : 'error', i + 1]])
  })
})

test('one long call survives many short ones by moving to the overflow', () => {
  const table = new PendingCalls()
  const long = track(table, 1, other)
  for (let id = 2; id < 10_000; id++) {
    track(table, id)
    expect(table.resolve(id, id)).toBe(true)
  }
  expect(table.size).toBe(1)
  expect(table.has(1)).toBe(true)
  expect(table.idsOf(other)).toEqual([1])
  expect(table.allIds()).toEqual([1])
  expect(table.resolve(1, 'finally')).toBe(true)
  expect(long.settled).toEqual([['ok', 'finally']])
  expect(table.size).toBe(0)
})

test('idsOf() finds the calls of one remote; onSettle() runs once on settlement', () => {
  const table = new PendingCalls()
  track(table, 1)
  track(table, 2, other)
  track(table, 3)
  let cleaned = 0
  table.onSettle(3, () => cleaned++)
  expect(table.idsOf(record).sort()).toEqual([1, 3])
  table.reject(3, 'x')
  table.reject(3, 'x')
  expect(cleaned).toBe(1)
  expect(table.has(0)).toBe(false)
})
