#include "app/studio/project_file.h"

#include <QObject>
#include <unistd.h>

#include <cstdio>

#include "engine/core/errors.h"
#include "engine/io/keras_archive.h"
#include "engine/io/model_io.h"
#include "engine/io/zip_archive.h"

namespace strata::studio {

namespace {

constexpr uint64_t kMaxLayoutBytes = 64ull << 20;  // a layout is small; refuse absurd entries
constexpr uint64_t kMaxEntryBytes = 8ull << 30;

std::string fileName(const QString& path) { return path.toStdString(); }

Json layoutJson(const GraphSpec& spec, const QHash<QString, QPointF>& positions) {
    Json pos = Json::object();
    for (auto it = positions.begin(); it != positions.end(); ++it)
        pos[it.key().toStdString()] = Json::array({it.value().x(), it.value().y()});
    return {{"format", "strata-layout"}, {"version", 1}, {"graph", graphSpecToJson(spec)}, {"positions", pos}};
}

LoadedGraph fromLayout(const std::string& text, const std::string& path) {
    Json j;
    try {
        j = Json::parse(text);
    } catch (const std::exception& e) {
        throw ConfigError(path + ": " + kLayoutEntry + " is not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object() || j.value("format", "") != "strata-layout")
        throw ConfigError(path + ": " + kLayoutEntry + " is not a Strata layout (no \"format\": \"strata-layout\")");
    if (j.value("version", 0) != 1)
        throw NotSupportedError(path + ": layout version " + j.value("version", Json(0)).dump() +
                                " is newer than this Strata Studio reads (1)");
    LoadedGraph g;
    try {
        g.spec = graphSpecFromJson(j.value("graph", Json()));
    } catch (const Error& e) {
        throw ConfigError(path + ": " + e.what());
    }
    const Json pos = j.value("positions", Json::object());
    if (!pos.is_object()) throw ConfigError(path + ": layout positions must be an object");
    for (const auto& n : g.spec.nodes) {
        auto it = pos.find(n.id);
        if (it == pos.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_number() || !(*it)[1].is_number()) {
            g.needsLayout = true;  // a node without a position: lay the whole graph out again
            continue;
        }
        g.positions[QString::fromStdString(n.id)] = QPointF((*it)[0].get<double>(), (*it)[1].get<double>());
    }
    g.format = "Strata project";
    return g;
}

}  // namespace

int carryOverWeights(const Model& from, Model& to) {
    int copied = 0;
    for (const auto& layer : to.layers()) {
        std::shared_ptr<Layer> src;
        for (const auto& l : from.layers())
            if (l->name() == layer->name()) src = l;
        if (!src || src->className() != layer->className()) continue;
        std::vector<Tensor> values = src->getWeights();
        std::vector<Variable*> dst = layer->weights();
        if (values.empty() || values.size() != dst.size()) continue;
        bool same = true;
        for (size_t i = 0; i < dst.size() && same; ++i) same = dst[i]->value.shape() == values[i].shape();
        if (!same) continue;  // the layer was changed (e.g. more units): its old weights do not fit
        layer->setWeights(values);
        ++copied;
    }
    return copied;
}

LoadedGraph loadGraphFile(const QString& qpath) {
    const std::string path = fileName(qpath);
    ModelFileFormat format = detectModelFileFormat(path);  // IoError naming the file if unreadable
    if (format == ModelFileFormat::KerasZip) {
        zipio::Reader zip(path);
        if (zip.contains(kLayoutEntry)) {
            LoadedGraph g = fromLayout(zip.read(kLayoutEntry, kMaxLayoutBytes), path);
            if (zip.contains("config.json")) g.weights = loadModel(path);  // drafts have no model
            return g;
        }
    }
    if (format == ModelFileFormat::Unknown)
        throw IoError(path + ": not a model file Strata can open (expected a Strata project, Keras .keras or .h5, "
                             "or a model-config .json)");
    ModelPtr model = loadModel(path);
    LoadedGraph g;
    try {
        g.spec = graphSpecFromModel(*model);
    } catch (const Error& e) {
        throw GraphError(path + ": " + e.what());
    }
    g.needsLayout = true;
    g.format = QString::fromStdString(formatName(format));
    g.weights = model;
    return g;
}

QString saveProjectFile(const GraphSpec& spec, const QHash<QString, QPointF>& positions, const QString& qpath,
                        const Model* weights) {
    const std::string path = fileName(qpath);
    const std::string layout = layoutJson(spec, positions).dump(1);
    ModelPtr model;
    QString warning;
    try {
        model = buildModel(spec);
        if (weights) carryOverWeights(*weights, *model);
    } catch (const std::exception& e) {
        warning = QObject::tr("The model is not valid yet, so %1 was saved as a Strata draft: Strata opens it, Keras "
                              "will not until the model is valid and saved again.\n\n%2")
                      .arg(qpath, QString::fromStdString(e.what()));
    }
    // Keras's own archive first (engine writer), then the same entries plus the layout, renamed
    // over the target at the end: the old file stays intact if anything fails.
    zipio::Writer out(path);
    if (model) {
        const std::string tmp = path + ".strata-" + std::to_string(::getpid()) + ".keras";
        try {
            saveKerasArchive(*model, tmp);
            zipio::Reader keras(tmp);
            for (const auto& e : keras.entries()) out.add(e.name, keras.read(e.name, kMaxEntryBytes), false);
        } catch (...) {
            std::remove(tmp.c_str());
            throw;
        }
        std::remove(tmp.c_str());
    }
    out.add(kLayoutEntry, layout, true);
    out.commit();
    return warning;
}

void exportModelFile(const GraphSpec& spec, const QString& path, const Model* weights) {
    ModelPtr model = buildModel(spec);
    if (weights) carryOverWeights(*weights, *model);
    saveModel(*model, fileName(path));
}

}  // namespace strata::studio
