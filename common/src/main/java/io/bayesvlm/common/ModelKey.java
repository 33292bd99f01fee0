package io.bayesvlm.common;

/**
 * The key of a model in every per-model grouping (windows, join state, reports, the review service's calibration
 * history): {@code name/version}, so records of two versions of one model never share a window.
 */
public final class ModelKey {

    private ModelKey() {}

    public static String of(String name, String version) {
        return name + "/" + version;
    }
}
