package io.kanyan.signaling.notify;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Development notifier (the default): writes the notice to the log instead of sending it, with the phone
 * masked and the invite token cut from the link. The inspector's desk shows the full link to hand over.
 */
public final class LogNotifier implements Notifier {

  private static final Logger log = LoggerFactory.getLogger(LogNotifier.class);

  @Override
  public String channel() {
    return "log";
  }

  @Override
  public String recipient(Notice notice) {
    return notice.phone() != null ? Masks.phone(notice.phone()) : Masks.email(notice.email());
  }

  @Override
  public Future<Void> send(Notice notice) {
    log.info("inspection {}: {} notice for {} (case {}, link {})", notice.inspectionId(), notice.kind().wire(),
        recipient(notice), notice.params().get("caseNumber"), Masks.link(notice.params().get("link")));
    return Future.succeededFuture();
  }
}
