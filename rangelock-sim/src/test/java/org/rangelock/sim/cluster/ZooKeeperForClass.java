package org.rangelock.sim.cluster;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process ZooKeeper server ({@link TokenServer}) for a whole test class, as the cluster
 * tests run it: started before the class's first test, closed after its last. Register it in a
 * static field ({@code @RegisterExtension static final ZooKeeperForClass zk = new
 * ZooKeeperForClass();}) and ask it for {@link #server()} in the tests.
 */
final class ZooKeeperForClass implements BeforeAllCallback, AfterAllCallback {
  private volatile TokenServer server;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = TokenServer.start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    TokenServer s = server;
    server = null;
    if (s != null) {
      s.close();
    }
  }

  /**
   * The class's server.
   *
   * @throws IllegalStateException outside the class's tests (before it started, after it closed)
   */
  TokenServer server() {
    TokenServer s = server;
    if (s == null) {
      throw new IllegalStateException("the ZooKeeper server runs only during the class's tests");
    }
    return s;
  }
}
