// kgql playground bootstrap. Served by github.com/kgql/kgql/graph/playground
// from the binary, as a same-origin script, so that the page's
// Content-Security-Policy needs no inline script at all.
//
// It reads its settings from the page's
// <script type="application/json" id="kgql-playground-config"> block
// (JSON written by the Go handler; never evaluated as code) and mounts
// GraphiQL 4.1.2 with React 18's createRoot. React, ReactDOM and GraphiQL are
// the UMD globals set by the three scripts loaded before this one.
(function () {
  'use strict';

  var config = JSON.parse(
    document.getElementById('kgql-playground-config').textContent
  );

  // Absolute HTTP URL of the endpoint: a path such as "/graphql" is resolved
  // against the page's own origin (location).
  var httpURL = new URL(config.endpoint, window.location.href);
  // Absolute websocket URL for subscriptions: same host, port and path, with
  // ws: for an http: page and wss: for an https: page.
  var wsURL =
    (httpURL.protocol === 'https:' ? 'wss:' : 'ws:') +
    '//' +
    httpURL.host +
    httpURL.pathname +
    httpURL.search;

  // GraphiQL keeps tabs, query, variables, headers and history in storage
  // under "graphiql:<key>". This wrapper puts them in localStorage under
  // config.storageNamespace + "graphiql:<key>", so this playground never
  // shares (or picks up) state with another GraphiQL on the same origin,
  // such as gqlgen's stock playground, which uses the bare keys.
  function namespacedStorage(prefix) {
    var ls;
    try {
      ls = window.localStorage;
      ls.getItem(prefix); // throws where storage is disabled
    } catch (e) {
      return null; // GraphiQL then keeps its state in memory only
    }
    function ownKeys() {
      var keys = [];
      for (var i = 0; i < ls.length; i++) {
        var k = ls.key(i);
        if (k !== null && k.indexOf(prefix) === 0) {
          keys.push(k);
        }
      }
      return keys;
    }
    return {
      getItem: function (key) {
        return ls.getItem(prefix + key);
      },
      setItem: function (key, value) {
        ls.setItem(prefix + key, value);
      },
      removeItem: function (key) {
        ls.removeItem(prefix + key);
      },
      clear: function () {
        ownKeys().forEach(function (k) {
          ls.removeItem(k);
        });
      },
      key: function (index) {
        var k = ownKeys()[index];
        return k === undefined ? null : k.slice(prefix.length);
      },
      get length() {
        return ownKeys().length;
      },
    };
  }

  var props = {
    fetcher: GraphiQL.createFetcher({
      url: httpURL.href,
      subscriptionUrl: wsURL,
    }),
    storage: namespacedStorage(config.storageNamespace),
    isHeadersEditorEnabled: true,
    inputValueDeprecation: true,
  };

  if (config.defaultQuery) {
    // GraphiQL 4.1.2 has no "initialQuery" prop (that arrived in GraphiQL 5).
    // Its "defaultQuery" is used only when storage holds no tabs, and also
    // for tabs opened with "+". Its "query" prop is applied to the editor
    // when it mounts and whenever the prop changes (it never changes here):
    // with stored tabs, GraphiQL activates the stored tab holding exactly
    // this query or appends a new tab with it. Setting both makes DefaultQuery
    // the query shown on every page load, stored tabs or not, while the
    // user's other tabs are kept.
    props.defaultQuery = config.defaultQuery;
    props.query = config.defaultQuery;
  }

  // A link such as the explorer's "open in playground" may carry the request
  // to show: /?query=…&variables=…&operationName=…. Each value, when present,
  // is handed to GraphiQL as the text of its editor (a plain string: nothing
  // in it is parsed as HTML or run as code), in place of DefaultQuery for the
  // query. GraphiQL runs nothing until the user presses Run. Absent
  // parameters leave the default behaviour above unchanged.
  var params = new URLSearchParams(window.location.search);
  if (params.has('query')) {
    props.query = params.get('query');
  }
  if (params.has('variables')) {
    props.variables = params.get('variables');
  }
  if (params.has('operationName')) {
    // GraphiQL 4.1.2 sends this name with every run from this page (it
    // picks which operation of a document with several to run).
    props.operationName = params.get('operationName');
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, props)
  );
})();
