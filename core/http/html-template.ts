import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../project-root.js';

export const publicDir = `${path.join(projectRoot, 'public')}${path.sep}`;

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

export type TemplateValues = Record<string, string | { html: string }>;

/**
 * A page from `public/` with `{{name}}` placeholders. Strings are escaped; only values wrapped as
 * `{ html }` (built here from escaped parts) go in raw. Templates are read once, when first used.
 */
export function loadTemplate(name: string): (values: TemplateValues) => string {
  const template = readFileSync(`${publicDir}${name}`, 'utf8');
  return (values) =>
    template.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
      const value = values[key];
      if (value === undefined) return '';
      return typeof value === 'string' ? escapeHtml(value) : value.html;
    });
}
