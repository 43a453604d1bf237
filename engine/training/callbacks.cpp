#include "engine/training/callbacks.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdarg>
#include <cmath>
#include <cstring>
#include <iostream>
#include <mutex>

#include "engine/core/errors.h"
#include "engine/graph/model.h"
#include "engine/training/trainer.h"

namespace strata {

namespace {

std::string printfString(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string printfString(const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return {};
    if (static_cast<size_t>(n) < sizeof buf) return std::string(buf, static_cast<size_t>(n));
    std::string s(static_cast<size_t>(n) + 1, '\0');
    va_start(ap, fmt);
    std::vsnprintf(s.data(), s.size(), fmt, ap);
    va_end(ap);
    s.resize(static_cast<size_t>(n));
    return s;
}

bool isTerminal(const std::ostream& out) {
    if (&out == &std::cout) return ::isatty(STDOUT_FILENO) == 1;
    if (&out == &std::cerr) return ::isatty(STDERR_FILENO) == 1;
    return false;
}

std::ostream& streamOr(std::ostream* out) { return out ? *out : std::cout; }

/// "accuracy" metric direction from the model's compiled metrics; nullopt if unknown.
std::optional<bool> lessIsBetterFor(Model* model, const std::string& monitor) {
    std::string name = monitor.rfind("val_", 0) == 0 ? monitor.substr(4) : monitor;
    std::optional<bool> less;
    if (name == "loss") less = true;
    if (model && model->compiled()) {
        if (Metric* m = model->trainer().findMetric(name)) {
            if (m->direction() == MetricDirection::Up) less = false;
            else if (m->direction() == MetricDirection::Down) less = true;
        }
    }
    // Per-output losses ("priority_loss") decrease too (Keras cannot tell; we can).
    if (!less && name.size() > 5 && name.compare(name.size() - 5, 5, "_loss") == 0) less = true;
    return less;
}

}  // namespace

// ---- python formatting --------------------------------------------------------------------------

std::string pythonRepr(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string s(buf, res.ptr);
    std::string sign;
    if (s[0] == '-') {
        sign = "-";
        s.erase(0, 1);
    }
    size_t epos = s.find('e');
    std::string mant = s.substr(0, epos);
    int exp10 = std::stoi(s.substr(epos + 1));
    std::string digits;
    for (char c : mant)
        if (c != '.') digits += c;
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    const int nd = static_cast<int>(digits.size());
    const int decpt = exp10 + 1;
    std::string out;
    if (decpt <= -4 || decpt > 16) {
        out = digits.substr(0, 1);
        if (nd > 1) out += "." + digits.substr(1);
        int e = decpt - 1;
        out += printfString("e%c%02d", e < 0 ? '-' : '+', std::abs(e));
    } else if (decpt <= 0) {
        out = "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
    } else if (decpt >= nd) {
        out = digits + std::string(static_cast<size_t>(decpt - nd), '0') + ".0";
    } else {
        out = digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
    }
    return sign + out;
}

namespace {

/// One replacement field's format spec applied to a number (Python's format mini-language).
std::string formatNumber(const std::string& spec, bool isInt, int64_t iv, double dv, const std::string& key) {
    size_t i = 0;
    char fill = ' ', align = 0;
    auto isAlign = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    if (spec.size() >= 2 && isAlign(spec[1])) {
        fill = spec[0];
        align = spec[1];
        i = 2;
    } else if (!spec.empty() && isAlign(spec[0])) {
        align = spec[0];
        i = 1;
    }
    char signc = '-';
    if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) signc = spec[i++];
    bool alt = false;
    if (i < spec.size() && spec[i] == '#') {
        alt = true;
        ++i;
    }
    if (i < spec.size() && spec[i] == '0') {
        if (!align) {
            fill = '0';
            align = '=';
        }
        ++i;
    }
    int width = 0;
    while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) width = width * 10 + (spec[i++] - '0');
    bool comma = false;
    if (i < spec.size() && (spec[i] == ',' || spec[i] == '_')) {
        comma = spec[i] == ',';
        ++i;
    }
    int precision = -1;
    if (i < spec.size() && spec[i] == '.') {
        ++i;
        precision = 0;
        while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i])))
            precision = precision * 10 + (spec[i++] - '0');
    }
    char type = i < spec.size() ? spec[i++] : 0;
    if (i != spec.size()) throw ValueError("invalid format specifier '" + spec + "' for '" + key + "'");
    (void)alt;
    (void)comma;

    std::string body;
    bool negative = false;
    if (isInt && (type == 0 || type == 'd')) {
        negative = iv < 0;
        body = std::to_string(negative ? -iv : iv);
    } else {
        if (type == 'd')
            throw ValueError("cannot format the float value of '" + key + "' with 'd' (use .0f)");
        double v = isInt ? double(iv) : dv;
        negative = std::signbit(v) && !std::isnan(v);
        double a = std::fabs(v);
        switch (type) {
            case 'f': case 'F': body = printfString("%.*f", precision < 0 ? 6 : precision, a); break;
            case 'e': case 'E': body = printfString(type == 'e' ? "%.*e" : "%.*E", precision < 0 ? 6 : precision, a); break;
            case 'g': case 'G': body = printfString(type == 'g' ? "%.*g" : "%.*G", precision < 0 ? 6 : precision, a); break;
            case '%': body = printfString("%.*f", precision < 0 ? 6 : precision, a * 100.0) + "%"; break;
            case 0:
                if (isInt) body = std::to_string(std::llabs(iv));
                else if (precision >= 0) body = printfString("%.*g", precision == 0 ? 1 : precision, a);
                else body = pythonRepr(a);
                break;
            default: throw ValueError("unsupported format type '" + std::string(1, type) + "' for '" + key + "'");
        }
        if (std::isnan(v)) body = "nan";
        else if (std::isinf(v)) body = "inf";
    }
    std::string sign = negative ? "-" : (signc == '+' ? "+" : (signc == ' ' ? " " : ""));
    int len = static_cast<int>(sign.size() + body.size());
    if (width <= len) return sign + body;
    std::string pad(static_cast<size_t>(width - len), fill);
    if (!align) align = '>';
    switch (align) {
        case '<': return sign + body + pad;
        case '^': {
            size_t left = pad.size() / 2;
            return pad.substr(0, left) + sign + body + pad.substr(left);
        }
        case '=': return sign + pad + body;
        default: return pad + sign + body;
    }
}

}  // namespace

std::string pythonFormat(const std::string& pattern, const std::vector<std::pair<std::string, int64_t>>& ints,
                         const Logs& values) {
    std::string out;
    for (size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (c == '{' && i + 1 < pattern.size() && pattern[i + 1] == '{') {
            out += '{';
            ++i;
            continue;
        }
        if (c == '}' && i + 1 < pattern.size() && pattern[i + 1] == '}') {
            out += '}';
            ++i;
            continue;
        }
        if (c != '{') {
            out += c;
            continue;
        }
        size_t close = pattern.find('}', i);
        if (close == std::string::npos) throw ValueError("unmatched '{' in \"" + pattern + "\"");
        std::string field = pattern.substr(i + 1, close - i - 1);
        std::string key = field, spec;
        size_t colon = field.find(':');
        if (colon != std::string::npos) {
            key = field.substr(0, colon);
            spec = field.substr(colon + 1);
        }
        bool found = false;
        for (const auto& [k, v] : ints)
            if (k == key) {
                out += formatNumber(spec, true, v, 0, key);
                found = true;
                break;
            }
        if (!found) {
            auto v = values.get(key);
            if (!v)
                throw ValueError("Failed to format this callback filepath: \"" + pattern + "\". Reason: '" + key +
                                 "' is not in the logs (available: " + values.keyList() + ")");
            out += formatNumber(spec, false, 0, *v, key);
        }
        i = close;
    }
    return out;
}

// ---- History ------------------------------------------------------------------------------------

void History::onEpochEnd(int e, Logs& logs) {
    epoch.push_back(e);
    for (const auto& [k, v] : logs.items()) {
        const std::string& key = k;  // structured bindings cannot be captured before clang 16
        auto it = std::find_if(history_.begin(), history_.end(), [&](const auto& p) { return p.first == key; });
        if (it == history_.end()) history_.emplace_back(k, std::vector<double>{v});
        else it->second.push_back(v);
    }
}

const std::vector<double>& History::operator[](const std::string& key) const {
    for (const auto& [k, v] : history_)
        if (k == key) return v;
    std::string all;
    for (const auto& [k, v] : history_) all += (all.empty() ? "" : ", ") + k;
    throw ValueError("history has no key '" + key + "' (keys: " + all + ")");
}

bool History::contains(const std::string& key) const {
    for (const auto& [k, v] : history_)
        if (k == key) return true;
    return false;
}

std::vector<std::string> History::keys() const {
    std::vector<std::string> k;
    for (const auto& p : history_) k.push_back(p.first);
    return k;
}

// ---- Progbar ------------------------------------------------------------------------------------

Progbar::Progbar(int64_t target, std::ostream& out, int verbose, int width, bool ansi, double interval)
    : target_(target), out_(out), verbose_(verbose), width_(width), ansi_(ansi), interval_(interval),
      t0_(std::chrono::steady_clock::now()) {}

double Progbar::now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

double Progbar::estimateStepDuration(int64_t current, double now) {
    if (!current) return 0;
    double t;
    if (timeAfterFirstStep_ && current > 1) t = (now - *timeAfterFirstStep_) / double(current - 1);
    else t = now / double(current);
    if (current == 1) timeAfterFirstStep_ = now;
    return t;
}

std::string Progbar::formatTimePerUnit(double t) const {
    if (t >= 1 || t == 0) return printfString(" %.0fs/step", t);
    if (t >= 1e-3) return printfString(" %.0fms/step", t * 1000.0);
    return printfString(" %.0fus/step", t * 1e6);
}

void Progbar::update(int64_t current, const Logs& values, bool finalize) {
    for (const auto& [k, v] : values.items()) {
        const std::string& key = k;  // structured bindings cannot be captured before clang 16
        auto it = std::find_if(values_.begin(), values_.end(), [&](const auto& p) { return p.first == key; });
        if (it == values_.end()) {
            values_.emplace_back(k, std::make_pair(0.0, 0.0));
            it = values_.end() - 1;
        }
        if (finalize) {
            it->second = {v, 1.0};
        } else {
            double base = double(std::max<int64_t>(current - seen_, 1));
            it->second.first += v * base;
            it->second.second += base;
        }
    }
    seen_ = current;
    const double t = now();
    const double perUnit = estimateStepDuration(current, t);
    auto bold = [&](const std::string& s) { return ansi_ ? "\x1b[1m" + s + "\x1b[0m" : s; };
    auto metricText = [&](bool absCheck) {
        std::string info;
        for (const auto& [k, sc] : values_) {
            double avg = sc.first / std::max(1.0, sc.second);
            info += " - " + k + ":";
            bool big = absCheck ? std::fabs(avg) > 1e-3 : avg > 1e-3;
            info += big ? printfString(" %.4f", avg) : printfString(" %.4e", avg);
        }
        return info;
    };
    if (verbose_ == 1) {
        if (t - lastUpdate_ < interval_ && !finalize) return;
        line_.clear();
        line_ += '\r';
        size_t visible = 0;
        if (target_ > 0) {
            int digits = int(std::log10(double(target_))) + 1;
            std::string count = printfString("%*lld/%lld", digits, (long long)current, (long long)target_);
            line_ += bold(count) + " ";
            visible += count.size() + 1;
            int progWidth = int(double(width_) * double(current) / double(target_));
            progWidth = std::clamp(progWidth, 0, width_);
            // Keras colours the done part green and the rest grey; without colours the rest is a
            // lighter line.
            std::string done, rest;
            for (int k = 0; k < progWidth; ++k) done += "\u2501";
            for (int k = progWidth; k < width_; ++k) rest += ansi_ ? "\u2501" : "\u2500";
            if (progWidth > 0) line_ += ansi_ ? "\x1b[32m" + done + "\x1b[0m" : done;
            line_ += ansi_ ? "\x1b[37m" + rest + "\x1b[0m" : rest;
            visible += size_t(width_);
        } else {
            std::string s = printfString("%7lld/Unknown", (long long)current);
            line_ += s;
            visible += s.size();
        }
        std::string info;
        if (target_ > 0 && !finalize) {
            double eta = perUnit * double(target_ - current);
            std::string f;
            if (eta > 3600) f = printfString("%d:%02d:%02d", int(eta / 3600), int(std::fmod(eta, 3600) / 60), int(std::fmod(eta, 60)));
            else if (eta > 60) f = printfString("%d:%02d", int(eta / 60), int(std::fmod(eta, 60)));
            else f = printfString("%ds", int(eta));
            line_ += " " + bold(f);
            visible += 1 + f.size();
        } else {
            std::string f = printfString("%.0fs", t);
            line_ += " " + bold(f);
            visible += 1 + f.size();
        }
        info += formatTimePerUnit(perUnit);
        info += metricText(true);
        line_ += info;
        visible += info.size();
        if (prevWidth_ > visible) line_ += std::string(prevWidth_ - visible, ' ');
        if (finalize) line_ += '\n';
        out_ << line_ << std::flush;
        prevWidth_ = visible;
    } else if (verbose_ == 2) {
        if (finalize && target_ > 0) {
            int digits = int(std::log10(double(target_))) + 1;
            std::string info = printfString("%*lld/%lld", digits, (long long)current, (long long)target_);
            info += printfString(" - %.0fs", t);
            info += " -" + formatTimePerUnit(perUnit);
            info += metricText(false);
            out_ << info << '\n' << std::flush;
        }
    }
    lastUpdate_ = t;
}

// ---- ProgbarLogger ------------------------------------------------------------------------------

ProgbarLogger::ProgbarLogger(std::ostream* out) : out_(streamOr(out)), ansi_(isTerminal(streamOr(out))) {}

void ProgbarLogger::setParams(const CallbackParams& params) {
    Callback::setParams(params);
    verbose_ = params.verbose;
    epochs_ = params.epochs;
    target_ = params.steps;
}

void ProgbarLogger::reset() {
    seen_ = 0;
    bar_ = std::make_unique<Progbar>(target_, out_, verbose_, 20, ansi_);  // the clock starts now
}

void ProgbarLogger::onTestBegin(Logs&) {
    if (!calledInFit_) reset();
}

void ProgbarLogger::onPredictBegin(Logs&) { reset(); }

void ProgbarLogger::onEpochBegin(int epoch, Logs&) {
    reset();
    if (verbose_ && epochs_ > 1) out_ << "Epoch " << epoch + 1 << "/" << epochs_ << "\n" << std::flush;
}

void ProgbarLogger::onTestBatchEnd(int64_t batch, Logs& logs) {
    if (!calledInFit_) update(batch, logs);
}

void ProgbarLogger::onPredictBatchEnd(int64_t batch, Logs&) { update(batch, Logs()); }

void ProgbarLogger::onTestEnd(Logs& logs) {
    if (!calledInFit_) finalize(logs);
}

void ProgbarLogger::update(int64_t batch, const Logs& logs) {
    if (!bar_) bar_ = std::make_unique<Progbar>(target_, out_, verbose_, 20, ansi_);
    seen_ = batch + 1;
    if (verbose_ == 1) bar_->update(seen_, logs, false);
}

void ProgbarLogger::finalize(const Logs& logs) {
    if (!bar_) bar_ = std::make_unique<Progbar>(target_, out_, verbose_, 20, ansi_);
    if (target_ <= 0) {
        target_ = seen_;
        bar_->setTarget(target_);
    }
    bar_->update(target_, logs, true);
}

// ---- monitor helpers ----------------------------------------------------------------------------

MonitorMode parseMonitorMode(const std::string& mode) {
    if (mode == "min") return MonitorMode::Min;
    if (mode == "max") return MonitorMode::Max;
    if (mode == "auto" || mode.empty()) return MonitorMode::Auto;
    throw ValueError("unknown monitor mode '" + mode + "' (expected auto, min or max)");
}

// ---- EarlyStopping ------------------------------------------------------------------------------

EarlyStopping::EarlyStopping(EarlyStoppingOptions options, std::ostream* out)
    : o_(std::move(options)), out_(streamOr(out)), minDelta_(std::fabs(o_.minDelta)) {
    parseMonitorMode(o_.mode);
}

void EarlyStopping::setMonitorOp() {
    MonitorMode mode = parseMonitorMode(o_.mode);
    if (mode == MonitorMode::Min) lessIsBetter_ = true;
    else if (mode == MonitorMode::Max) lessIsBetter_ = false;
    else {
        auto less = lessIsBetterFor(model(), o_.monitor);
        if (!less)
            throw ValueError("EarlyStopping callback received monitor=" + o_.monitor +
                             " but cannot tell whether that metric should be maximized or minimized; pass "
                             "mode \"max\" or \"min\"");
        lessIsBetter_ = *less;
    }
    if (lessIsBetter_) minDelta_ = -std::fabs(o_.minDelta);
    best_ = lessIsBetter_ ? INFINITY : -INFINITY;
    opSet_ = true;
}

bool EarlyStopping::isImprovement(double value, double reference) const {
    return lessIsBetter_ ? (value - minDelta_ < reference) : (value - minDelta_ > reference);
}

void EarlyStopping::onTrainBegin(Logs&) {
    wait_ = 0;
    stoppedEpoch_ = 0;
    bestWeights_.reset();
    bestEpoch_ = 0;
}

void EarlyStopping::onEpochEnd(int epoch, Logs& logs) {
    if (!opSet_) setMonitorOp();
    auto current = logs.get(o_.monitor);
    if (!current) {
        std::cerr << "Warning: early stopping conditioned on metric `" << o_.monitor
                  << "` which is not available. Available metrics are: " << logs.keyList() << "\n";
        return;
    }
    if (epoch < o_.startFromEpoch) return;
    if (o_.restoreBestWeights && !bestWeights_) {
        bestWeights_ = model()->getWeights();
        bestEpoch_ = epoch;
    }
    ++wait_;
    if (isImprovement(*current, best_)) {
        best_ = *current;
        bestEpoch_ = epoch;
        if (o_.restoreBestWeights) bestWeights_ = model()->getWeights();
        if (!o_.baseline || isImprovement(*current, *o_.baseline)) wait_ = 0;
        return;
    }
    if (wait_ >= o_.patience && epoch > 0) {
        stoppedEpoch_ = epoch;
        model()->stopTraining = true;
    }
}

void EarlyStopping::onTrainEnd(Logs&) {
    if (stoppedEpoch_ > 0 && o_.verbose > 0) out_ << "Epoch " << stoppedEpoch_ + 1 << ": early stopping\n";
    if (o_.restoreBestWeights && bestWeights_) {
        if (o_.verbose > 0)
            out_ << "Restoring model weights from the end of the best epoch: " << bestEpoch_ + 1 << ".\n";
        model()->setWeights(*bestWeights_);
    }
    out_ << std::flush;
}

// ---- ReduceLROnPlateau --------------------------------------------------------------------------

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options, std::ostream* out)
    : o_(std::move(options)), out_(streamOr(out)) {
    if (o_.factor >= 1.0)
        throw ValueError("ReduceLROnPlateau does not support a factor >= 1.0. Received factor=" +
                         pythonRepr(o_.factor));
    reset();
}

void ReduceLROnPlateau::reset() {
    MonitorMode mode = parseMonitorMode(o_.mode);
    maximize_ = !(mode == MonitorMode::Min || (mode == MonitorMode::Auto && o_.monitor.find("acc") == std::string::npos));
    best_ = maximize_ ? -INFINITY : INFINITY;
    cooldownCounter_ = 0;
    wait_ = 0;
}

void ReduceLROnPlateau::onEpochEnd(int epoch, Logs& logs) {
    Optimizer& opt = model()->trainer().optimizer();
    logs.set("learning_rate", double(float(opt.learningRate())));
    auto current = logs.get(o_.monitor);
    if (!current) {
        std::cerr << "Warning: learning rate reduction is conditioned on metric `" << o_.monitor
                  << "` which is not available. Available metrics are: " << logs.keyList() << ".\n";
        return;
    }
    if (cooldownCounter_ > 0) {
        --cooldownCounter_;
        wait_ = 0;
    }
    bool better = maximize_ ? (*current > best_ + o_.minDelta) : (*current < best_ - o_.minDelta);
    if (better) {
        best_ = *current;
        wait_ = 0;
    } else if (cooldownCounter_ <= 0) {
        ++wait_;
        if (wait_ >= o_.patience) {
            double oldLr = double(float(opt.learningRate()));
            if (oldLr > double(float(o_.minLr))) {
                double newLr = std::max(oldLr * o_.factor, o_.minLr);
                opt.setLearningRate(newLr);
                if (o_.verbose > 0)
                    out_ << "\nEpoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to "
                         << pythonRepr(newLr) << ".\n" << std::flush;
                cooldownCounter_ = o_.cooldown;
                wait_ = 0;
            }
        }
    }
}

// ---- LearningRateScheduler ----------------------------------------------------------------------

LearningRateScheduler::LearningRateScheduler(Schedule schedule, int verbose, std::ostream* out)
    : schedule_(std::move(schedule)), verbose_(verbose), out_(streamOr(out)) {
    if (!schedule_) throw ValueError("LearningRateScheduler needs a schedule function");
}

void LearningRateScheduler::onEpochBegin(int epoch, Logs&) {
    Optimizer& opt = model()->trainer().optimizer();
    double lr = schedule_(epoch, double(float(opt.learningRate())));
    if (!std::isfinite(lr))
        throw ValueError("LearningRateScheduler: the schedule returned " + pythonRepr(lr) + " for epoch " +
                         std::to_string(epoch));
    opt.setLearningRate(lr);
    if (verbose_ > 0)
        out_ << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to " << pythonRepr(lr)
             << ".\n" << std::flush;
}

void LearningRateScheduler::onEpochEnd(int, Logs& logs) {
    logs.set("learning_rate", double(float(model()->trainer().optimizer().learningRate())));
}

// ---- ModelCheckpoint ----------------------------------------------------------------------------

namespace {
std::mutex gSaverMutex;
ModelSaver& defaultSaver() {
    static ModelSaver s;
    return s;
}
bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

void setDefaultModelSaver(ModelSaver saver) {
    std::lock_guard<std::mutex> lock(gSaverMutex);
    defaultSaver() = std::move(saver);
}

ModelCheckpoint::ModelCheckpoint(std::string filepath, ModelCheckpointOptions options, std::ostream* out)
    : filepath_(std::move(filepath)), o_(std::move(options)), out_(streamOr(out)) {
    parseMonitorMode(o_.mode);
    if (o_.saveFreq < 0) throw ValueError("ModelCheckpoint: save_freq must be \"epoch\" (0) or a positive integer");
    if (o_.saveWeightsOnly) {
        if (!endsWith(filepath_, ".weights.h5"))
            throw ValueError("When using save_weights_only=True in ModelCheckpoint, the filepath provided must end "
                             "in `.weights.h5` (Keras weights format). Received: filepath=" + filepath_);
    } else if (!endsWith(filepath_, ".keras") && !endsWith(filepath_, ".h5")) {
        throw ValueError("The filepath provided must end in `.keras` (Keras model format). Received: filepath=" +
                         filepath_);
    }
}

void ModelCheckpoint::setMonitorOp() {
    MonitorMode mode = parseMonitorMode(o_.mode);
    if (mode == MonitorMode::Min) lessIsBetter_ = true;
    else if (mode == MonitorMode::Max) lessIsBetter_ = false;
    else {
        auto less = lessIsBetterFor(model(), o_.monitor);
        if (!less)
            throw ValueError("ModelCheckpoint callback received monitor=" + o_.monitor +
                             ", but cannot tell whether that metric should be maximized or minimized; pass mode "
                             "\"max\" or \"min\"");
        lessIsBetter_ = *less;
    }
    best_ = o_.initialValueThreshold ? *o_.initialValueThreshold : (lessIsBetter_ ? INFINITY : -INFINITY);
    opSet_ = true;
}

std::string ModelCheckpoint::filePath(int epoch, std::optional<int64_t> batch, const Logs& logs) const {
    std::vector<std::pair<std::string, int64_t>> ints = {{"epoch", epoch + 1}};
    if (batch && !logs.contains("batch")) ints.emplace_back("batch", *batch + 1);
    return pythonFormat(filepath_, ints, logs);
}

void ModelCheckpoint::onEpochEnd(int epoch, Logs& logs) {
    if (!opSet_) setMonitorOp();
    if (o_.saveFreq == 0) saveModel(epoch, std::nullopt, logs);
}

void ModelCheckpoint::onTrainBatchEnd(int64_t batch, Logs& logs) {
    if (o_.saveFreq == 0) return;
    int64_t add = batch <= lastBatch_ ? batch + 1 : batch - lastBatch_;
    batchesSinceSave_ += add;
    lastBatch_ = batch;
    if (batchesSinceSave_ >= o_.saveFreq) {
        batchesSinceSave_ = 0;
        if (!opSet_) setMonitorOp();
        saveModel(currentEpoch_, batch, logs);
    }
}

void ModelCheckpoint::saveModel(int epoch, std::optional<int64_t> batch, const Logs& logs) {
    const std::string path = filePath(epoch, batch, logs);
    bool save = true;
    if (o_.saveBestOnly) {
        auto current = logs.get(o_.monitor);
        if (!current) {
            std::cerr << "Warning: can save best model only with " << o_.monitor << " available.\n";
        } else {
            std::string bestStr = printfString("%.5f", best_);
            bool improved = lessIsBetter_ ? *current < best_ : *current > best_;
            if (improved) {
                if (o_.verbose > 0)
                    out_ << "\nEpoch " << epoch + 1 << ": " << o_.monitor << " improved from " << bestStr << " to "
                         << printfString("%.5f", *current) << ", saving model to " << path << "\n";
                best_ = *current;
            } else {
                if (o_.verbose > 0)
                    out_ << "\nEpoch " << epoch + 1 << ": " << o_.monitor << " did not improve from " << bestStr << "\n";
                save = false;
            }
        }
    } else if (o_.verbose > 0) {
        out_ << "\nEpoch " << epoch + 1 << ": saving model to " << path << "\n";
    }
    if (!save) return;
    ModelSaver saver = o_.save;
    if (!saver) {
        std::lock_guard<std::mutex> lock(gSaverMutex);
        saver = defaultSaver();
    }
    if (!saver)
        throw NotSupportedError("ModelCheckpoint: no model saver (set ModelCheckpointOptions::save or "
                                "setDefaultModelSaver) to write " + path);
    saver(*model(), path, o_.saveWeightsOnly);
    saved_.push_back(path);
    if (o_.verbose > 0) out_ << "\nEpoch " << epoch + 1 << ": finished saving model to " << path << "\n";
    out_ << std::flush;
}

// ---- CSVLogger ----------------------------------------------------------------------------------

CSVLogger::CSVLogger(std::string filename, std::string separator, bool append)
    : filename_(std::move(filename)), sep_(std::move(separator)), append_(append) {
    if (sep_.empty()) throw ValueError("CSVLogger: the separator must not be empty");
}

void CSVLogger::onTrainBegin(Logs&) {
    writeHeader_ = true;
    if (append_) {
        std::ifstream in(filename_);
        std::string first;
        if (in && std::getline(in, first)) writeHeader_ = first.empty();
    }
    if (file_.is_open()) file_.close();
    file_.open(filename_, append_ ? std::ios::out | std::ios::app : std::ios::out | std::ios::trunc);
    if (!file_) throw IoError("CSVLogger: cannot open '" + filename_ + "' for writing");
    keys_.reset();
}

std::string CSVLogger::field(const std::string& s) const {
    if (s.find(sep_) == std::string::npos && s.find_first_of("\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + "\"";
}

void CSVLogger::onEpochEnd(int epoch, Logs& logs) {
    if (!file_.is_open()) return;
    if (!keys_) {
        keys_ = logs.keys();
        std::sort(keys_->begin(), keys_->end());
        if (writeHeader_) {
            file_ << "epoch";
            for (const auto& k : *keys_) file_ << sep_ << field(k);
            file_ << "\r\n";
        }
    }
    file_ << epoch;
    for (const auto& k : *keys_) {
        auto v = logs.get(k);
        file_ << sep_ << (v ? pythonRepr(*v) : std::string("NA"));
    }
    file_ << "\r\n";
    file_.flush();
}

void CSVLogger::onTrainEnd(Logs&) {
    if (file_.is_open()) file_.close();
}

// ---- TerminateOnNaN -----------------------------------------------------------------------------

TerminateOnNaN::TerminateOnNaN(std::ostream* out) : out_(out ? *out : std::cerr) {}

void TerminateOnNaN::onBatchEnd(int64_t batch, Logs& logs) {
    auto loss = logs.get("loss");
    if (loss && !std::isfinite(*loss)) {
        message_ = "Epoch " + std::to_string(epoch_ + 1) + ", batch " + std::to_string(batch) + ": invalid loss (" +
                   pythonRepr(*loss) + "), terminating training";
        out_ << message_ << "\n" << std::flush;
        if (model()) model()->stopTraining = true;
    }
}

// ---- CallbackList -------------------------------------------------------------------------------

CallbackList::CallbackList(std::vector<CallbackPtr> callbacks, bool addHistory, bool addProgbar, Model* model,
                           const CallbackParams& params, std::ostream* progressOut) {
    for (auto& c : callbacks)
        if (c) callbacks_.push_back(c);
    bool haveProgbar = false;
    for (auto& c : callbacks_) {
        if (auto h = std::dynamic_pointer_cast<History>(c)) history_ = h;
        if (std::dynamic_pointer_cast<ProgbarLogger>(c)) haveProgbar = true;
    }
    if (!history_ && addHistory) {
        history_ = std::make_shared<History>();
        callbacks_.push_back(history_);
    }
    if (!haveProgbar && addProgbar) callbacks_.push_back(std::make_shared<ProgbarLogger>(progressOut));
    for (auto& c : callbacks_) {
        if (model) c->setModel(model);
        c->setParams(params);
    }
}

void CallbackList::onTrainBegin(Logs& l) { for (auto& c : callbacks_) c->onTrainBegin(l); }
void CallbackList::onTrainEnd(Logs& l) { for (auto& c : callbacks_) c->onTrainEnd(l); }
void CallbackList::onEpochBegin(int e, Logs& l) { for (auto& c : callbacks_) c->onEpochBegin(e, l); }
void CallbackList::onEpochEnd(int e, Logs& l) { for (auto& c : callbacks_) c->onEpochEnd(e, l); }
void CallbackList::onTrainBatchBegin(int64_t b, Logs& l) { for (auto& c : callbacks_) c->onTrainBatchBegin(b, l); }
void CallbackList::onTrainBatchEnd(int64_t b, Logs& l) { for (auto& c : callbacks_) c->onTrainBatchEnd(b, l); }
void CallbackList::onTestBegin(Logs& l) { for (auto& c : callbacks_) c->onTestBegin(l); }
void CallbackList::onTestEnd(Logs& l) { for (auto& c : callbacks_) c->onTestEnd(l); }
void CallbackList::onTestBatchBegin(int64_t b, Logs& l) { for (auto& c : callbacks_) c->onTestBatchBegin(b, l); }
void CallbackList::onTestBatchEnd(int64_t b, Logs& l) { for (auto& c : callbacks_) c->onTestBatchEnd(b, l); }
void CallbackList::onPredictBegin(Logs& l) { for (auto& c : callbacks_) c->onPredictBegin(l); }
void CallbackList::onPredictEnd(Logs& l) { for (auto& c : callbacks_) c->onPredictEnd(l); }
void CallbackList::onPredictBatchBegin(int64_t b, Logs& l) { for (auto& c : callbacks_) c->onPredictBatchBegin(b, l); }
void CallbackList::onPredictBatchEnd(int64_t b, Logs& l, const std::vector<Tensor>& outputs) {
    for (auto& c : callbacks_) {
        c->predictOutputs_ = &outputs;
        c->onPredictBatchEnd(b, l);
        c->predictOutputs_ = nullptr;
    }
}

}  // namespace strata
