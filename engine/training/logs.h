#pragma once
/// Logs: the `logs` dict Keras passes to callbacks ({"loss": 0.31, "accuracy": 0.9, "val_loss": ...}).
///
/// Insertion-ordered (the trainer inserts keys sorted, as Keras's pythonify_logs does, then the
/// "val_" keys, then whatever callbacks add such as "learning_rate"). Values are doubles holding the
/// float32 results, so a CSV or a file name shows what Keras would show. Updating an existing key
/// does not allocate, so the per-batch logs of a training step are free after the first batch.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata {

class Logs {
public:
    using Item = std::pair<std::string, double>;

    Logs() = default;
    Logs(std::initializer_list<Item> items) : items_(items) {}

    /// Sets `key` (appends it if new).
    void set(std::string_view key, double value) {
        for (auto& it : items_)
            if (it.first == key) {
                it.second = value;
                return;
            }
        items_.emplace_back(std::string(key), value);
    }
    bool contains(std::string_view key) const { return find(key) != nullptr; }
    /// The value, or nullopt if absent.
    std::optional<double> get(std::string_view key) const {
        const Item* it = find(key);
        return it ? std::optional<double>(it->second) : std::nullopt;
    }
    /// The value; throws ValueError listing the available keys if absent.
    double at(std::string_view key) const;
    /// Removes `key` if present.
    void erase(std::string_view key);
    void clear() { items_.clear(); }
    bool empty() const { return items_.empty(); }
    size_t size() const { return items_.size(); }
    const std::vector<Item>& items() const { return items_; }
    std::vector<std::string> keys() const;
    /// "loss, accuracy" (for messages).
    std::string keyList() const;
    /// Copies every item of `other`, with `prefix` before each key.
    void update(const Logs& other, std::string_view prefix = {});
    bool operator==(const Logs& o) const { return items_ == o.items_; }

private:
    const Item* find(std::string_view key) const {
        for (const auto& it : items_)
            if (it.first == key) return &it;
        return nullptr;
    }
    std::vector<Item> items_;
};

}  // namespace strata
