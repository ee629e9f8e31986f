package io.kanyan.signaling.media.kurento;

import io.kanyan.signaling.inspection.Role;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kurento.client.Continuation;
import org.kurento.client.ErrorEvent;
import org.kurento.client.EventListener;
import org.kurento.client.KurentoObject;
import org.kurento.client.ListenerSubscription;
import org.kurento.client.MediaPipeline;
import org.kurento.client.RecorderEndpoint;
import org.kurento.client.UriEndpointState;
import org.kurento.client.WebRtcEndpoint;

/**
 * A node that took a call over adopts the pipeline the lost owner left on the media server, from the handover that
 * owner saved with the call's state ({@link CallPipeline#handover()}): the same media server (one of this node's
 * {@code KMS_URL} members, live), the pipeline, and for each recording participant the WebRtcEndpoint and the
 * RecorderEndpoint, still recording. Each object is reached by id ({@code KurentoClient.getById}, a local proxy) and
 * then asked something, which on KMS also references it in this node's session: KMS releases a dead client's objects
 * only when no session references them (KURENTO.md, "Another node takes the call over"). The events are subscribed
 * again, the pipeline is renamed to this node's server id (its clean-up, not the lost node's, owns it now) and
 * registered with the member (load, clean-up). Any failure fails the whole adoption, and whatever pipeline was found
 * is released: the call then goes on as before adoption existed, with a {@code recording.gap}.
 */
final class Adoption {

  private final KurentoCallMedia owner;
  private final KmsMember member;
  private final Context context;

  private Adoption(KurentoCallMedia owner, KmsMember member) {
    this.owner = owner;
    this.member = member;
    this.context = owner.context();
  }

  /** Adopts the pipeline {@code handover} describes, for the recordings {@code recording} (role → segment). */
  static Future<CallPipeline> adopt(KurentoCallMedia owner, KmsPool pool, JsonObject handover,
      Map<Role, Integer> recording) {
    if (handover == null || handover.getString("kms") == null || handover.getString("pipelineId") == null
        || handover.getJsonObject("legs") == null) {
      return Future.failedFuture(new KmsException("the lost owner saved no ids of its media (nothing to adopt)"));
    }
    String url = handover.getString("kms");
    KmsMember member = pool.member(url).orElse(null);
    if (member == null || !member.isLive()) {
      return Future.failedFuture(new KmsException("media server " + url + " is "
          + (member == null ? "not one of this node's KMS_URL" : "not live here")));
    }
    JsonObject legs = handover.getJsonObject("legs");
    for (Map.Entry<Role, Integer> entry : recording.entrySet()) {
      JsonObject leg = legs.getJsonObject(entry.getKey().wire());
      if (leg == null || !entry.getValue().equals(leg.getInteger("segment"))) {
        return Future.failedFuture(new KmsException("no saved media elements for segment " + entry.getValue()
            + " of the " + entry.getKey().wire()));
      }
    }
    return new Adoption(owner, member).run(handover.getString("pipelineId"), legs, recording);
  }

  private Future<CallPipeline> run(String pipelineId, JsonObject legs, Map<Role, Integer> recording) {
    Future<MediaPipeline> found = byId(pipelineId, MediaPipeline.class);
    Future<String> name = found.compose(p -> member.call(context, "name of " + pipelineId, p::getName));
    return name.compose(n -> {
      if (n == null || !n.endsWith(":" + owner.inspectionId())) {
        return Future.failedFuture(new KmsException("pipeline " + pipelineId + " is named '" + n
            + "', not as a pipeline of inspection " + owner.inspectionId()));
      }
      CallPipeline call = CallPipeline.adopting(owner, member, found.result());
      return legs(call, legs, recording)
          .compose(adopted -> rename(call).map(v -> {
            call.adopted(adopted);
            return call;
          }))
          .recover(e -> call.release().transform(ar -> Future.failedFuture(e)));
    });
  }

  private Future<List<Leg>> legs(CallPipeline call, JsonObject saved, Map<Role, Integer> recording) {
    List<Future<Leg>> legs = new ArrayList<>();
    recording.keySet().forEach(role -> legs.add(leg(call, role, saved.getJsonObject(role.wire()))));
    return Future.all(legs).map(all -> all.<Leg>list());
  }

  /** One recording participant: endpoint and recorder found, the recorder still recording, events subscribed. */
  private Future<Leg> leg(CallPipeline call, Role role, JsonObject saved) {
    Leg leg = new Leg(call, role);
    leg.segment = saved.getInteger("segment");
    leg.negotiated = new Negotiated(saved.getBoolean("audio", false), saved.getBoolean("video", false),
        saved.getString("videoCodec", ""));
    leg.file = owner.recordingFile(role, leg.segment, saved.getString("extension", leg.negotiated.extension()));
    String prefix = call.pipelineId() + "/";
    String endpointId = saved.getString("endpoint", "");
    String recorderId = saved.getString("recorder", "");
    if (!endpointId.startsWith(prefix) || !recorderId.startsWith(prefix)) {
      return Future.failedFuture(new KmsException("the saved elements of the " + role.wire()
          + " are not in pipeline " + call.pipelineId()));
    }
    Future<WebRtcEndpoint> endpoint = byId(endpointId, WebRtcEndpoint.class);
    Future<RecorderEndpoint> recorder = byId(recorderId, RecorderEndpoint.class);
    return Future.all(endpoint, recorder).compose(both -> {
      leg.endpoint = endpoint.result();
      leg.recorder = recorder.result();
      return call.<UriEndpointState>call("state of the " + role.wire() + "'s recorder", leg.recorder::getState);
    }).compose(state -> {
      if (state != UriEndpointState.START) {
        return Future.failedFuture(new KmsException("the " + role.wire() + "'s recorder is not recording (" + state + ")"));
      }
      RecorderEndpoint r = leg.recorder;
      EventListener<ErrorEvent> errors = owner.onContext(e -> call.recorderError(r, e));
      Future<ListenerSubscription> recorderErrors = call.call("subscribe recorder Error", c -> r.addErrorListener(errors, c));
      return Future.all(recorderErrors, call.subscribe(leg)).map(leg);
    });
  }

  /** The pipeline takes this node's name: this node's clean-up keeps it while the call lives, the lost node's not. */
  private Future<Void> rename(CallPipeline call) {
    String name = owner.settings().pipelineName(owner.inspectionId());
    return call.call("rename pipeline " + call.pipelineId(), (Continuation<Void> c) -> call.pipeline().setName(name, c));
  }

  /**
   * The proxy of an existing object. {@code getById} sends nothing, but it takes the client's lock, which a client
   * reconnecting holds for long: so it runs on the member's worker, like every request.
   */
  private <T extends KurentoObject> Future<T> byId(String id, Class<T> type) {
    return member.call(context, "find " + id, (Continuation<T> c) -> {
      T found;
      try {
        found = member.client().getById(id, type);
      } catch (RuntimeException e) {
        KurentoFutures.fail(c, e);
        return;
      }
      KurentoFutures.complete(c, found);
    });
  }
}
