package io.kanyan.recorder.recording;

import java.nio.file.Path;

/**
 * A recording file after {@link Remux#finalise}: seekable, with a known duration, and hashed.
 *
 * @param path           where the finalised file is
 * @param sha256         lower-case hex SHA-256 of the file's bytes, the value that goes on the trail
 * @param sizeBytes      the file's size
 * @param durationMillis the container duration as ffprobe reads it, or -1 if it has none
 */
public record FinalisedFile(Path path, String sha256, long sizeBytes, long durationMillis) {
}
