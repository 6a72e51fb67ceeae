import { expect, test } from 'vitest'
import { afterAnswerQueue } from '#app/gateway/after-answer.ts'

test('deferred work waits for run, runs in order, and one failure does not stop the rest', async () => {
  const done: string[] = []
  const errors: unknown[] = []
  const queue = afterAnswerQueue((error) => errors.push(error))
  queue.defer(async () => void done.push('first'))
  queue.defer(async () => {
    throw new Error('the row could not be written')
  })
  queue.defer(async () => void done.push('third'))
  await Promise.resolve()
  expect(done).toEqual([])
  await queue.run()
  expect(done).toEqual(['first', 'third'])
  expect(errors).toEqual([new Error('the row could not be written')])
  await queue.run()
  expect(done).toEqual(['first', 'third'])
})
