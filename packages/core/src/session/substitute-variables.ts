/**
 * Replaces `{name}` with `variables.name`. Unknown names and non-identifier braces (JSON in a
 * prompt, `{ }`) are left as they are; `{{name}}` is kept literally as `{name}`.
 */
export function substituteVariables(template: string, variables: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{([A-Za-z_][\w.-]*)\}\}|\{([A-Za-z_][\w.-]*)\}/g, (match, escaped: string | undefined, name: string | undefined) => {
    if (escaped !== undefined) return `{${escaped}}`;
    const value = name === undefined ? undefined : variables[name];
    return value === undefined ? match : value;
  });
}
