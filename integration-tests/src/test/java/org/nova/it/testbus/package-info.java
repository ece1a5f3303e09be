/**
 * The test bus: a bus made for the integration tests, its driver whiteboard interface and the
 * log its drivers write. Built into the "testbus" bundle at test time and exported from it.
 */
package org.nova.it.testbus;
