/**
 * The conformance suite: every case, in spec order (sections A-G of core-semantics.md, then the
 * cases adapted from web-platform-tests). Runners import `cases` and run each against an `Impl`.
 */
import { casesA } from './cases-a'
import { casesB } from './cases-b'
import { casesC } from './cases-c'
import { casesD } from './cases-d'
import { casesE } from './cases-e'
import { casesF } from './cases-f'
import { casesG } from './cases-g'
import { casesWpt } from './cases-wpt'
import type { Case } from './types'

/** All conformance cases; ids are unique. */
export const cases: Case[] = [
  ...casesA,
  ...casesB,
  ...casesC,
  ...casesD,
  ...casesE,
  ...casesF,
  ...casesG,
  ...casesWpt,
]
