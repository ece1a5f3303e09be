package org.nova.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * nova-bom has no parent (a BOM's parent would be imported with it), so it spells the versions the
 * reactor names once in the root pom a second time: this test holds the two equal.
 */
class BomTest {
    private static Path repo() {
        String dir = System.getProperty("nova.repo");
        assertNotNull(dir, "system property nova.repo is not set (testkit/pom.xml sets it)");
        return Path.of(dir);
    }

    private static Document read(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    private static String child(Element e, String name) {
        NodeList l = e.getElementsByTagName(name);
        return l.getLength() == 0 ? null : l.item(0).getTextContent().trim();
    }

    /** @return groupId:artifactId to version of a pom's dependencyManagement, properties substituted */
    private static Map<String, String> managed(Document pom, Map<String, String> properties) {
        Map<String, String> out = new LinkedHashMap<>();
        NodeList deps = pom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            String v = child(d, "version");
            if (v == null) {
                continue; // a managed dependency used in a profile
            }
            for (Map.Entry<String, String> p : properties.entrySet()) {
                v = v.replace("${" + p.getKey() + "}", p.getValue());
            }
            out.put(child(d, "groupId") + ":" + child(d, "artifactId"), v);
        }
        return out;
    }

    private static Map<String, String> properties(Document pom) {
        Map<String, String> out = new LinkedHashMap<>();
        Element props = (Element) pom.getElementsByTagName("properties").item(0);
        NodeList l = props.getChildNodes();
        for (int i = 0; i < l.getLength(); i++) {
            if (l.item(i) instanceof Element e) {
                out.put(e.getTagName(), e.getTextContent().trim());
            }
        }
        return out;
    }

    @Test
    void theBomNamesTheReactorsVersions() throws Exception {
        Document root = read(repo().resolve("pom.xml"));
        Document bom = read(repo().resolve("bom/pom.xml"));
        Map<String, String> rootProps = properties(root);
        rootProps.put("project.version", child(root.getDocumentElement(), "version"));
        Map<String, String> rootManaged = managed(root, rootProps);
        rootManaged.put("org.junit.jupiter:junit-jupiter", rootProps.get("junit.version"));
        Map<String, String> bomManaged = managed(bom, properties(bom));
        assertFalse(bomManaged.isEmpty());
        assertEquals(rootProps.get("project.version"), child(bom.getDocumentElement(), "version"),
                "nova-bom's own version");
        bomManaged.forEach((ga, v) -> assertEquals(rootManaged.get(ga), v, ga + " in bom/pom.xml vs the root pom"));
    }
}
