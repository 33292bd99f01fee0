/** The review service: a Kafka Streams application with the review queue, calibration history and web UI. */
package io.bayesvlm.review;
