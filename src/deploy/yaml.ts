import { Document } from 'yaml';

/**
 * Manifests as one multi-document YAML stream, written by the `yaml` library. Strings are quoted as YAML 1.1 needs
 * (`"yes"`, `"on"`, `"0777"`): kubectl reads manifests with a YAML 1.1 parser, where those would become booleans and numbers.
 * @example
 * writeFileSync('kubernetes.yaml', manifestsYaml(kubernetesManifests(spec)));
 */
export function manifestsYaml(docs: readonly object[]): string {
  return docs
    .map((d) => {
      const doc = new Document(d, { version: '1.1' });
      doc.directives!.docStart = true;
      return doc.toString({ lineWidth: 0 });
    })
    .join('');
}
