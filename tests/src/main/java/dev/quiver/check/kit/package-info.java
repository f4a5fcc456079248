/** The property kit: seeded generators for shapes, tensors and graphs, a shrinking runner on JUnit 5. */
package dev.quiver.check.kit;
