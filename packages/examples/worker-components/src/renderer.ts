/**
 * The renderer: a plain service object that turns a page description into HTML. The Worker serves
 * it with `expose` on one end of a port pair and calls it through `wrap` on the other, so it could
 * move to another isolate without the router changing.
 */

/** What the renderer draws: a title and an optional list. */
export interface Page {
  title: string
  items?: string[]
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => escapes[char] ?? char)
}

/** Throws a `TypeError` that says which part of `page` is wrong. */
function checkPage(page: unknown): asserts page is Page {
  if (typeof page !== 'object' || page === null || Array.isArray(page)) {
    throw new TypeError('the page must be a JSON object like {"title": "...", "items": ["..."]}')
  }
  const { title, items } = page as Record<string, unknown>
  if (typeof title !== 'string' || title === '') {
    throw new TypeError(`page.title must be a non-empty string, got ${JSON.stringify(title)}`)
  }
  if (items !== undefined && !(Array.isArray(items) && items.every((i) => typeof i === 'string'))) {
    throw new TypeError('page.items must be an array of strings')
  }
}

/** The renderer's service object. */
export const renderer = {
  /** Renders `page` as an HTML document. Throws a `TypeError` for a malformed page. */
  render(page: Page): string {
    checkPage(page)
    const items = (page.items ?? []).map((item) => `<li>${escapeHtml(item)}</li>`).join('')
    const list = items === '' ? '' : `<ul>${items}</ul>`
    const title = escapeHtml(page.title)
    return `<!doctype html><title>${title}</title><h1>${title}</h1>${list}`
  },
}

/** The renderer's type, for `wrap<Renderer>`. */
export type Renderer = typeof renderer
